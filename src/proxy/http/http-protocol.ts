import { isConnectionToxicSpec } from '../../model/toxic.js';
import { checkConnectionMatch, checkToxicProtocol, type Protocol } from '../protocol.js';

/**
 * HTTP/1.1: each connection's link (with the connection toxics) ends in process at a node:http
 * server of the proxy's own, which runs the request toxics on every request of every
 * connection, whenever the toxic was added, and forwards through undici.
 */
export const httpProtocol: Protocol = {
  name: 'http',
  checkProxy: () => undefined,
  checkToxic(toxic, proxy) {
    checkToxicProtocol(toxic, 'http', proxy);
    if (isConnectionToxicSpec(toxic)) checkConnectionMatch(toxic, 'http', proxy);
  },
  // The request handler (and undici) load when the first http proxy starts, not with the server.
  open: async (proxy) => (await import('./http-session.js')).openHttpSession(proxy),
};
