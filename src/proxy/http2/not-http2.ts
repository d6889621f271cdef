import type { MemorySocket } from '../memory-socket.js';
import type { Opening } from '../http/opening.js';
import { shownRequestLine } from '../http/report.js';
import type { ServedConnection } from '../protocol.js';
import type { ProxyView } from '../proxy-view.js';

/**
 * A connection to an http2 proxy that did not open with the HTTP/2 preface. HTTP/1.x (curl
 * without --http2-prior-knowledge, a browser, a health check) gets a 505 whose body says what
 * to change, then the connection closes; a TLS handshake or other bytes cannot read an answer,
 * so the connection closes. Each is a protocol.mismatch event.
 *
 * Why 505: RFC 9110 §15.6.6 defines it for a server that does not support the major version
 * the request used, which is the case. Envoy (codec HTTP2) and nginx (`listen … http2` without
 * ssl) send an HTTP/2 GOAWAY an HTTP/1 client cannot read (curl says "Received HTTP/0.9 when
 * not allowed"); Kestrel answers 400 "An HTTP/1.x request was sent to an HTTP/2 only endpoint".
 */
export function refuseNotHttp2(
  proxy: ProxyView,
  socket: MemorySocket,
  connection: ServedConnection,
  opening: Exclude<Opening, { kind: 'http2' }>,
): void {
  const seen = { connection: connection.id, client: connection.client };
  switch (opening.kind) {
    case 'http1': {
      const body = Buffer.from(
        `faultline: proxy ${JSON.stringify(proxy.name)} speaks HTTP/2 only (protocol http2: h2c with prior knowledge, as gRPC clients send it), and this connection sent HTTP/1.x; send HTTP/2 with prior knowledge (curl --http2-prior-knowledge), or create a proxy with protocol http for HTTP/1.1 clients\n`,
      );
      socket.resume(); // what the client sends after its request line is not read
      socket.write(
        `HTTP/1.1 505 HTTP Version Not Supported\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n`,
      );
      socket.write(body);
      socket.destroySoon();
      proxy.protocolMismatch({
        ...seen,
        received: 'HTTP/1.x',
        detail: shownRequestLine(opening.requestLine),
        answer: '505',
      });
      return;
    }
    case 'tls':
      socket.destroy();
      proxy.protocolMismatch({
        ...seen,
        received: 'TLS',
        answer: 'closed: the proxy has no tls; connect with http://, or give the proxy tls',
      });
      return;
    case 'other':
      socket.destroy();
      proxy.protocolMismatch({
        ...seen,
        received: 'unknown',
        detail: opening.bytes,
        answer: 'closed: neither the HTTP/2 preface nor an HTTP/1.x request',
      });
      return;
    case 'nothing':
      socket.destroy();
  }
}
