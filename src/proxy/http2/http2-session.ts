import http2 from 'node:http2';
import { ClientTable } from '../http/client-table.js';
import { http2Opening } from '../http/opening.js';
import { readFirstBytes } from '../first-bytes.js';
import { ToxicRandoms } from '../http/request-plan.js';
import { MemorySocket } from '../memory-socket.js';
import type { ServedConnection, ServingSession } from '../protocol.js';
import type { ProxyView } from '../proxy-view.js';
import { Http2Handler } from './http2-handler.js';
import { refuseNotHttp2 } from './not-http2.js';
import { UpstreamSession } from './upstream-session.js';
import { LongStreams } from './long-streams.js';

/** Starts the stream handler of one http2 proxy. */
export function openHttp2Session(proxy: ProxyView): ServingSession {
  const clients = new ClientTable();
  const randoms = new ToxicRandoms(proxy.environment.random.fork('http2'));
  const upstream = new UpstreamSession(proxy);
  const handler = new Http2Handler(proxy, clients, randoms, upstream, new LongStreams(proxy));
  const server = http2.createServer({ maxSessionMemory: 64 });
  const sessions = new Set<http2.ServerHttp2Session>();
  let arriving: ServedConnection | undefined;
  server.on('session', (session) => {
    if (arriving) clients.serve(session, arriving);
    sessions.add(session);
    session.on('error', () => session.destroy());
    session.once('close', () => sessions.delete(session));
  });
  server.on('stream', handler.handle);
  return {
    serve(connection) {
      const [linkEnd, serverEnd] = MemorySocket.pair();
      // node:http2 would fail anything but the preface in silence: the first bytes decide.
      readFirstBytes(
        serverEnd,
        http2Opening,
        (opening) => {
          if (opening.kind !== 'http2') return refuseNotHttp2(proxy, serverEnd, connection, opening);
          // The session is made, and 'session' emitted, while the connection is handed over.
          arriving = connection;
          server.emit('connection', serverEnd);
          arriving = undefined;
        },
        proxy.environment.limits.clientHeadersTimeoutMs,
      );
      return linkEnd;
    },
    upstreamChanged: () => upstream.close(),
    close() {
      for (const session of sessions) session.destroy();
      upstream.close();
    },
  };
}
