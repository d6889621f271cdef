import http from 'node:http';
import type { Duplex } from 'node:stream';
import { readFirstBytes } from '../first-bytes.js';
import { MemorySocket } from '../memory-socket.js';
import type { ServingSession } from '../protocol.js';
import type { ProxyView } from '../proxy-view.js';
import { ClientTable } from './client-table.js';
import { Http1Handler } from './http1-handler.js';
import { http2Refuser } from './not-http1.js';
import { http1Opening } from './opening.js';
import { PassThroughs } from './pass-throughs.js';
import { ToxicRandoms } from './request-plan.js';
import { RequestsInFlight } from './requests-in-flight.js';
import { passUpgrade } from './upgrade.js';

/** Starts the request handler of one http proxy. */
export function openHttpSession(proxy: ProxyView): ServingSession {
  const clients = new ClientTable();
  const randoms = new ToxicRandoms(proxy.environment.random.fork('http'));
  const inFlight = new RequestsInFlight(proxy);
  const handler = new Http1Handler(proxy, clients, randoms, inFlight);
  // No keep-alive timeout: like a tcp proxy, the proxy leaves idle connections to the client (a
  // timeout would need a timer per connection, and node would announce one it cannot keep here).
  const server = http.createServer(
    {
      requestTimeout: 0,
      keepAliveTimeout: 0,
      headersTimeout: proxy.environment.limits.clientHeadersTimeoutMs,
    },
    handler.handle,
  );
  // With a listener, node leaves `Expect: 100-continue` to the proxy instead of answering 100 itself.
  server.on('checkContinue', handler.handleExpectingContinue);
  server.on('upgrade', (request: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    inFlight.upgraded(socket);
    passUpgrade(proxy, clients, randoms, request, socket, head).catch(() => socket.destroy());
  });
  // CONNECT asks for a tunnel, which a reverse proxy does not open: say so rather than hang up.
  server.on('connect', (_request: http.IncomingMessage, socket: Duplex) =>
    socket.end(
      'HTTP/1.1 405 Method Not Allowed\r\nallow: GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS\r\ncontent-length: 0\r\nconnection: close\r\n\r\n',
    ),
  );
  server.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
    else socket.destroy();
  });
  // The server never listens, and node:http tracks connections (for headersTimeout, 60 s by
  // default: a client that never finishes its headers gets a 408) from its 'listening' event on.
  server.emit('listening');
  const open = new Set<MemorySocket>();
  const refuser = http2Refuser(proxy);
  const passThroughs = new PassThroughs(proxy, server);
  // Every HTTP/1.1 connection goes through a link, never adopted: a byte toxic then applies to
  // open connections at once. Closing adopted idle connections instead raced the keep-alive
  // client's next request (ECONNRESET), and an upgraded WebSocket never saw the toxic at all.
  // The link ends in this process: node:http reads the other end of an in-memory pair.
  return {
    serve(connection) {
      const [linkEnd, serverEnd] = MemorySocket.pair();
      clients.serve(serverEnd, connection);
      open.add(serverEnd);
      serverEnd.once('close', () => open.delete(serverEnd));
      // node:http would read the HTTP/2 preface as a bad request, in silence: the first bytes decide.
      readFirstBytes(
        serverEnd,
        http1Opening,
        (opening) => {
          // A client that closed its side before a whole opening came (a port check, curl refusing
          // the certificate) asks for nothing more: node:http, handed a socket that has ended, would
          // wait for it for ever, and the connection would stay open.
          if (serverEnd.readableEnded) return void serverEnd.end();
          if (opening === 'http2') return refuser.refuse(serverEnd, connection);
          if (!passThroughs.serve(serverEnd, connection)) server.emit('connection', serverEnd);
          serverEnd.resume();
        },
        proxy.environment.limits.clientHeadersTimeoutMs,
      );
      return linkEnd;
    },
    upstreamChanged: () => handler.upstreamChanged(),
    requestsInFlight: () => passThroughs.requestsInFlight(),
    close() {
      server.close(); // stops the connection checks
      for (const socket of open) socket.destroy();
      refuser.close();
      passThroughs.close();
      handler.close();
    },
  };
}
