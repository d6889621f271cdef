import type { IncomingMessage } from 'node:http';
import net from 'node:net';
import type { Duplex } from 'node:stream';

/**
 * An Upgrade request (a page's WebSocket) goes to the app as it came, with the app's Host, and
 * then both directions are piped: the proxy serves the whole app, its sockets included. Without
 * this, node:http handed the upgrade to the page handler, which dropped the hop-by-hop Upgrade
 * header and the app answered a plain GET.
 */
export function passUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer, target: URL): void {
  const upstream = net.connect({ host: target.hostname, port: Number(target.port || 80), noDelay: true });
  socket.on('error', () => socket.destroy());
  upstream.once('connect', () => {
    upstream.write(requestHead(request, target.host));
    if (head.length > 0) upstream.write(head);
    socket.pipe(upstream);
    upstream.pipe(socket);
  });
  upstream.once('error', (error) => {
    if (upstream.bytesRead > 0 || !socket.writable) return void socket.destroy();
    const text = `faultline browser-proxy: cannot reach ${target.origin}: ${error.message}\n`;
    socket.end(
      `HTTP/1.1 502 Bad Gateway\r\ncontent-type: text/plain\r\ncontent-length: ${Buffer.byteLength(text)}\r\nconnection: close\r\n\r\n${text}`,
    );
  });
  socket.once('close', () => upstream.destroy());
  upstream.once('close', () => socket.destroy());
}

function requestHead(request: IncomingMessage, host: string): string {
  let head = `${request.method} ${request.url} HTTP/${request.httpVersion}\r\n`;
  const raw = request.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] ?? '';
    head += `${name}: ${name.toLowerCase() === 'host' ? host : (raw[i + 1] ?? '')}\r\n`;
  }
  return `${head}\r\n`;
}
