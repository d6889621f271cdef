import { FaultlineError } from '../model/errors.js';
import type { ProxyProtocol } from '../model/protocol.js';
import { parseHostPort } from '../model/address.js';
import { checkConnectionMatch, checkToxicProtocol, type LinkTarget, type Protocol } from './protocol.js';

/** Bytes, as Toxiproxy: each connection's link goes straight to the upstream. */
export const tcpProtocol: Protocol = {
  name: 'tcp',
  checkProxy: () => undefined,
  checkToxic(toxic, proxy) {
    checkToxicProtocol(toxic, 'tcp', proxy);
    checkConnectionMatch(toxic, 'tcp', proxy);
  },
  open: (proxy) => {
    let parsed: (LinkTarget & { address: string }) | undefined;
    return Promise.resolve({
      // Parsed once per change of upstream, not once per connection.
      linkTarget() {
        if (parsed?.address !== proxy.upstream) {
          const { host, port } = parseHostPort(proxy.upstream, 'upstream');
          parsed = { address: proxy.upstream, host: host || 'localhost', port };
        }
        return parsed;
      },
      close: () => undefined,
    });
  },
};

/** A protocol the model accepts but this engine cannot run yet: every use is a clear 400. */
export function notYetProtocol(name: ProxyProtocol): Protocol {
  const refuse = (proxy: string): never => {
    throw new FaultlineError('FAULTLINE_ERR_INVALID_FIELD', `protocol ${name} is not supported yet`, {
      hint: `proxy ${JSON.stringify(proxy)} asks for protocol ${name}, which this faultline version accepts in files but cannot run; use tcp`,
    });
  };
  return {
    name,
    checkProxy: refuse,
    checkToxic: (_toxic, proxy) => refuse(proxy),
    open: (proxy) => refuse(proxy.name),
  };
}
