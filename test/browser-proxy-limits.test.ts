import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, test } from 'node:test';
import zlib from 'node:zlib';
import { createBrowserProxy, MAX_PAGE_BYTES } from '../src/browser/proxy.js';

/** An app whose pages are too large to hold: one past the limit as sent, one only once inflated. */
const bomb = zlib.gzipSync(Buffer.alloc(MAX_PAGE_BYTES + 1024, 0x20));
const upstream = http.createServer((request, response) => {
  if (request.url === '/bomb') {
    response.writeHead(200, { 'Content-Type': 'text/html', 'Content-Encoding': 'gzip' });
    return response.end(bomb);
  }
  response.writeHead(200, { 'Content-Type': 'text/html' });
  const piece = Buffer.alloc(1024 * 1024, 0x20);
  let sent = 0;
  const more = () => {
    // Stops by itself a little past the limit, or when the proxy hangs up.
    while (sent <= MAX_PAGE_BYTES && !response.destroyed) {
      sent += piece.length;
      if (!response.write(piece)) return void response.once('drain', more);
    }
    response.end();
  };
  more();
});
upstream.listen(0, '127.0.0.1');
await once(upstream, 'listening');
const proxy = createBrowserProxy({
  target: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`,
  script: 'void 0;',
});
proxy.listen(0, '127.0.0.1');
await once(proxy, 'listening');
after(() => {
  proxy.close();
  upstream.closeAllConnections();
  upstream.close();
});

async function get(path: string): Promise<{ status: number; body: string }> {
  const response = await fetch(`http://127.0.0.1:${(proxy.address() as AddressInfo).port}${path}`);
  return { status: response.status, body: await response.text() };
}

test('a page over the limit is answered 502 saying so, not held whole', async () => {
  const { status, body } = await get('/huge');
  assert.equal(status, 502);
  assert.match(body, /cannot add the script to http:\/\/127\.0\.0\.1:\d+\/huge: the page is over 64 MiB/);
});

test('a small gzip that inflates past the limit is answered 502 saying so', async () => {
  const { status, body } = await get('/bomb');
  assert.equal(status, 502);
  assert.match(
    body,
    /the page is over 64 MiB, the most the proxy reads whole to add its script \(once decoded\)/,
  );
});
