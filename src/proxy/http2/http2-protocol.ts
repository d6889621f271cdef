import http2 from 'node:http2';
import { isConnectionToxicSpec } from '../../model/toxic.js';
import { ClientTable } from '../http/client-table.js';
import { listenOnLoopback } from '../http/loopback-server.js';
import { ToxicRandoms } from '../http/request-plan.js';
import { checkConnectionMatch, checkToxicProtocol, type Protocol } from '../protocol.js';
import { Http2Handler } from './http2-handler.js';
import { UpstreamSession } from './upstream-session.js';

/**
 * HTTP/2 in cleartext with prior knowledge (h2c), as gRPC clients speak it without TLS: the
 * links end at a node:http2 server of the proxy's own, and streams go upstream over one
 * node:http2 session.
 */
export const http2Protocol: Protocol = {
  name: 'http2',
  checkProxy: () => undefined,
  checkToxic(toxic, proxy) {
    checkToxicProtocol(toxic, 'http2', proxy);
    if (isConnectionToxicSpec(toxic)) checkConnectionMatch(toxic, 'http2', proxy);
  },
  async open(proxy) {
    const clients = new ClientTable();
    const randoms = new ToxicRandoms(proxy.environment.random.fork('http2'));
    const upstream = new UpstreamSession(proxy);
    const handler = new Http2Handler(proxy, clients, randoms, upstream);
    const server = http2.createServer({ maxSessionMemory: 64 });
    const sessions = new Set<http2.ServerHttp2Session>();
    server.on('session', (session) => {
      sessions.add(session);
      session.on('error', () => session.destroy());
      session.once('close', () => sessions.delete(session));
    });
    server.on('stream', handler.handle);
    const target = await listenOnLoopback(server);
    return {
      linkTarget: () => target,
      linked: (port, connection) => clients.add(port, connection),
      unlinked: (port) => clients.remove(port),
      upstreamChanged: () => upstream.close(),
      close() {
        server.close();
        for (const session of sessions) session.destroy();
        upstream.close();
      },
    };
  },
};
