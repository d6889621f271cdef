import type { IncomingHttpHeaders } from 'node:http';
import { FaultlineError } from '../model/errors.js';
import { createHostCheck } from '../net/allowed-host.js';

/**
 * Keeps web pages away from the control API. A page can reach 127.0.0.1:8474 in two ways:
 * - DNS rebinding: its own name re-resolves to 127.0.0.1, so its requests are same-origin and
 *   carry `Host: attacker.example:8474`. Only hosts an attacker cannot point at us pass: loopback
 *   names (`localhost`, `*.localhost`, which browsers always resolve to loopback), IP literals
 *   (no DNS involved) and names the operator lists with --allowed-host.
 * - Cross-site requests: a "simple" POST needs no CORS preflight, so its body reaches the API.
 *   Browsers mark them with `Origin` and `Sec-Fetch-Site`; a foreign Origin or
 *   `Sec-Fetch-Site: cross-site` is refused. No CORS header is ever sent, so a page cannot read
 *   a reply either.
 * Toxiproxy clients and the CLI send neither Origin nor Sec-Fetch-Site and use the address they
 * were given as Host, so they pass.
 */
export interface RequestGuard {
  check(headers: IncomingHttpHeaders): FaultlineError | undefined;
}

export function createRequestGuard(allowedHosts: readonly string[] = []): RequestGuard {
  const hostCheck = createHostCheck(allowedHosts);

  return {
    check(headers) {
      const host = headers.host;
      const refused = hostCheck.refused(host);
      if (refused !== undefined) {
        return new FaultlineError('FAULTLINE_ERR_HOST_NOT_ALLOWED', 'host not allowed', {
          hint: `the Host header ${JSON.stringify(host)} is not a loopback name, an IP address or a name given with --allowed-host; a web page that re-binds its DNS name to this machine sends such requests. Reaching the server by a name on purpose? Start it with --allowed-host ${JSON.stringify(refused)}`,
        });
      }
      const origin = headers.origin;
      if (origin !== undefined && !sameOrigin(origin, host)) {
        return new FaultlineError('FAULTLINE_ERR_CROSS_ORIGIN', 'cross-origin request refused', {
          hint: `the request comes from the web page ${JSON.stringify(origin)}; the control API serves programs, not browsers, and answers no cross-origin request`,
        });
      }
      if (headers['sec-fetch-site'] === 'cross-site') {
        return new FaultlineError('FAULTLINE_ERR_CROSS_ORIGIN', 'cross-origin request refused', {
          hint: 'the browser marked this request Sec-Fetch-Site: cross-site; the control API answers no cross-origin request',
        });
      }
      return undefined;
    },
  };
}

/** An Origin is ours only when it names the very host and port the request was sent to. */
function sameOrigin(origin: string, host: string | undefined): boolean {
  if (host === undefined) return false;
  try {
    const parsed = new URL(origin);
    return parsed.protocol === 'http:' && parsed.host === new URL(`http://${host}`).host;
  } catch {
    return false;
  }
}
