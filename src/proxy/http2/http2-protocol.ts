import { isConnectionToxicSpec } from '../../model/toxic.js';
import { checkConnectionMatch, checkToxicProtocol, type Protocol } from '../protocol.js';

/**
 * HTTP/2 in cleartext with prior knowledge (h2c), as gRPC clients speak it without TLS: the
 * links end in process at a node:http2 server of the proxy's own, and streams go upstream over one
 * node:http2 session.
 */
export const http2Protocol: Protocol = {
  name: 'http2',
  checkProxy: () => undefined,
  checkToxic(toxic, proxy) {
    checkToxicProtocol(toxic, 'http2', proxy);
    if (isConnectionToxicSpec(toxic)) checkConnectionMatch(toxic, 'http2', proxy);
  },
  // Loaded when the first http2 proxy starts, not with the server.
  open: async (proxy) => (await import('./http2-session.js')).openHttp2Session(proxy),
};
