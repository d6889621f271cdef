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
