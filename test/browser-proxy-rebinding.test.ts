import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { after, describe, test } from 'node:test';
import { browserScript } from '../src/browser/bundle.js';
import { createBrowserProxy } from '../src/browser/proxy.js';

/**
 * The proxy sends the app its own Host, so an app's defence against DNS rebinding (Vite's and
 * webpack-dev-server's allowed hosts) never sees the name a page used: the proxy must refuse it.
 */
const reached: string[] = [];
const app = http.createServer((request, response) => {
  reached.push(request.url ?? '');
  response.writeHead(200, { 'Content-Type': 'text/plain' });
  response.end('the app\n');
});
app.listen(0, '127.0.0.1');
await once(app, 'listening');
const target = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;

async function startProxy(allowedHosts?: string[]): Promise<number> {
  const proxy = createBrowserProxy({
    target,
    script: browserScript([{ url: '/api/', status: 503 }]),
    ...(allowedHosts === undefined ? {} : { allowedHosts }),
  });
  proxy.listen(0, '127.0.0.1');
  await once(proxy, 'listening');
  after(() => {
    proxy.closeAllConnections();
    proxy.close();
  });
  return (proxy.address() as AddressInfo).port;
}

after(() => {
  app.closeAllConnections();
  app.close();
});

const get = (port: number, path: string, host: string) =>
  new Promise<{ status: number; body: string }>((resolve, reject) =>
    http
      .get({ host: '127.0.0.1', port, path, headers: { host } }, (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      })
      .on('error', reject),
  );

/** The first line a raw Upgrade request gets back. */
async function upgradeStatus(port: number, host: string): Promise<string> {
  const socket = net.connect(port, '127.0.0.1');
  await once(socket, 'connect');
  socket.write(
    `GET /live HTTP/1.1\r\nHost: ${host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`,
  );
  let text = '';
  socket.setEncoding('utf8');
  for await (const chunk of socket) text += chunk as string;
  return text.split('\r\n')[0] ?? '';
}

describe('browser-proxy refuses hosts a re-bound DNS name sends (DNS rebinding)', () => {
  test('a page that re-binds its own name gets 403, and the app sees nothing', async () => {
    const port = await startProxy();
    const refused = await get(port, '/secret', `evil.example:${port}`);
    assert.equal(refused.status, 403);
    assert.match(refused.body, /Host header "evil\.example:\d+"/);
    assert.match(refused.body, /--allowed-host evil\.example/);
    assert.match(await upgradeStatus(port, `evil.example:${port}`), /^HTTP\/1\.1 403 /);
    assert.deepEqual(reached, []);
  });

  test('loopback names, IP literals and names given with allowedHosts pass', async () => {
    const port = await startProxy(['app.test']);
    for (const host of [
      `127.0.0.1:${port}`,
      `localhost:${port}`,
      `web.localhost:${port}`,
      `app.test:${port}`,
    ]) {
      const passed = await get(port, '/page', host);
      assert.equal(passed.status, 200, host);
      assert.equal(passed.body, 'the app\n');
    }
    assert.equal((await get(port, '/page', `other.test:${port}`)).status, 403);
  });
});
