import http2 from 'node:http2';
import { ClientTable } from '../http/client-table.js';
import { listenOnLoopback } from '../http/loopback-server.js';
import { ToxicRandoms } from '../http/request-plan.js';
import type { ProtocolSession } from '../protocol.js';
import type { ProxyView } from '../proxy-view.js';
import { Http2Handler } from './http2-handler.js';
import { UpstreamSession } from './upstream-session.js';

/** Starts the stream handler of one http2 proxy. */
export async function openHttp2Session(proxy: ProxyView): Promise<ProtocolSession> {
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
}
