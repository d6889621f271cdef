import { isIP } from 'node:net';

/**
 * Whether a request's Host header names this machine in a way a web page cannot fake through DNS
 * rebinding: a loopback name (`localhost`, `*.localhost`, which browsers always resolve to
 * loopback), an IP literal (no DNS involved), or a name the operator allowed ("*" allows any).
 * A page that re-binds its own name to 127.0.0.1 sends that name as Host, and is refused.
 */
export interface HostCheck {
  /** The host name to name in a refusal (or the header itself when malformed); undefined when allowed. */
  refused(host: string | undefined): string | undefined;
}

export function createHostCheck(allowedHosts: readonly string[] = []): HostCheck {
  const allowed = new Set(allowedHosts.map((host) => host.toLowerCase()));
  const hostAllowed = (hostname: string) =>
    allowed.has('*') ||
    allowed.has(hostname) ||
    hostname === 'localhost' ||
    hostname.endsWith('.localhost') ||
    isIP(hostname) !== 0;
  return {
    refused(host) {
      // HTTP/1.0 sends no Host; browsers always do.
      if (host === undefined) return undefined;
      const hostname = hostnameOf(host);
      if (hostname === undefined) return host;
      return hostAllowed(hostname) ? undefined : hostname;
    },
  };
}

/** "Example.test:8474" → "example.test", "[::1]:8474" → "::1"; undefined when malformed. */
function hostnameOf(host: string): string | undefined {
  try {
    const hostname = new URL(`http://${host}`).hostname.toLowerCase();
    return hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
  } catch {
    return undefined;
  }
}
