import http2 from 'node:http2';
import type { MemorySocket } from '../memory-socket.js';
import type { ServedConnection } from '../protocol.js';
import type { ProxyView } from '../proxy-view.js';
import { answerGrpcStatus } from '../http2/grpc-message.js';
import { isGrpcCall } from './grpc-call.js';

/** gRPC's status for a call the server does not support: not retried, unlike UNAVAILABLE. */
const GRPC_UNIMPLEMENTED = 12;

/** Serves the HTTP/2 connections an http proxy cannot take: made at the first one. */
export interface Http2Refuser {
  refuse(socket: MemorySocket, connection: ServedConnection): void;
  close(): void;
}

/**
 * An HTTP/2 client (curl --http2-prior-knowledge, a gRPC client) that reached an http
 * (HTTP/1.1) proxy: an HTTP/1.1 answer would be bytes it cannot read, so it is answered in
 * HTTP/2, each stream with a 505 (a gRPC call with status 12 UNIMPLEMENTED) whose text says what
 * to change, and GOAWAY, so it opens no more streams on the connection.
 */
export function http2Refuser(proxy: ProxyView): Http2Refuser {
  let server: http2.Http2Server | undefined;
  const sessions = new Set<http2.ServerHttp2Session>();
  const explain = () =>
    `faultline: proxy ${JSON.stringify(proxy.name)} speaks HTTP/1.1 (protocol http), and this connection sent HTTP/2; create a proxy with protocol http2 for HTTP/2 and gRPC clients, or send HTTP/1.1 (without curl's --http2-prior-knowledge)`;
  const open = () => {
    const made = http2.createServer({ maxSessionMemory: 1 });
    made.on('session', (session) => {
      sessions.add(session);
      session.on('error', () => session.destroy());
      session.once('close', () => sessions.delete(session));
    });
    made.on('stream', (stream, headers) => {
      stream.on('error', () => stream.destroy());
      if (isGrpcCall(headers)) answerGrpcStatus(stream, GRPC_UNIMPLEMENTED, explain());
      else {
        const body = Buffer.from(`${explain()}\n`);
        stream.respond({
          ':status': 505,
          'content-type': 'text/plain; charset=utf-8',
          'content-length': body.length,
        });
        stream.end(body);
      }
      stream.session?.close();
    });
    return made;
  };
  return {
    refuse(socket, connection) {
      server ??= open();
      server.emit('connection', socket);
      proxy.protocolMismatch({
        connection: connection.id,
        client: connection.client,
        received: 'HTTP/2',
        answer: '505 on each stream (a gRPC call: status 12 UNIMPLEMENTED), then GOAWAY',
      });
    },
    close() {
      for (const session of sessions) session.destroy();
    },
  };
}
