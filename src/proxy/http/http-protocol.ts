import { isConnectionToxicSpec } from '../../model/toxic.js';
import { FaultlineError } from '../../model/errors.js';
import type { ToxicSpec } from '../../model/toxic.js';
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
    else checkNoGrpcMatch(toxic, proxy);
  },
  // The request handler (and undici) load when the first http proxy starts, not with the server.
  open: async (proxy) => (await import('./http-session.js')).openHttpSession(proxy),
};

/** An http proxy never sees a gRPC call: a match on one would never fire. */
function checkNoGrpcMatch(toxic: ToxicSpec, proxy: string): void {
  const key = (['grpc_service', 'grpc_method'] as const).find((name) => toxic.match?.[name] !== undefined);
  if (key === undefined) return;
  throw new FaultlineError('FAULTLINE_ERR_INVALID_ATTRIBUTE', `match key ${key} needs an http2 proxy`, {
    hint: `toxic ${JSON.stringify(toxic.name)}: gRPC calls come over HTTP/2, and proxy ${JSON.stringify(proxy)} has protocol http, which answers HTTP/2 clients 505 (gRPC 12 UNIMPLEMENTED), so it would never match; create a proxy with "protocol": "http2" for gRPC`,
  });
}
