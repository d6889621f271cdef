import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { after, describe, test } from 'node:test';
import { WebSocketServer } from 'ws';
import { browserScript } from '../src/browser/bundle.js';
import { createBrowserProxy } from '../src/browser/proxy.js';
import { startBrowser } from './browser-helpers.js';

/** A page that opens a WebSocket to where it came from, sends two messages and records the echoes. */
const page = `<!doctype html><html><head></head><body><script>
const socket = new WebSocket('ws://' + location.host + '/live');
const seen = [];
socket.onopen = () => { socket.send('a'); socket.send('b'); };
socket.onmessage = (message) => { seen.push(message.data); if (seen.length === 2) document.body.dataset.result = seen.join(','); };
socket.onclose = (event) => { document.body.dataset.result ??= 'closed ' + event.code; };
</script></body></html>`;

const app = http.createServer((_request, response) => {
  response.writeHead(200, { 'Content-Type': 'text/html' });
  response.end(page);
});
const hosts: string[] = [];
const sockets = new WebSocketServer({ server: app });
sockets.on('connection', (socket, request) => {
  hosts.push(request.headers.host ?? '');
  socket.on('message', (data) => socket.send(`echo ${String(data)}`));
});
app.listen(0, '127.0.0.1');
await once(app, 'listening');
const appHost = `127.0.0.1:${(app.address() as AddressInfo).port}`;

async function listen(server: http.Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  after(() => {
    server.closeAllConnections();
    server.close();
  });
  return (server.address() as AddressInfo).port;
}

after(() => {
  sockets.close();
  app.closeAllConnections();
  app.close();
});

describe('browser-proxy passes the app WebSockets through', () => {
  test("a page's WebSocket reaches the app through the proxy, and a delay fault holds its messages", async () => {
    const proxy = createBrowserProxy({
      target: `http://${appHost}`,
      script: browserScript([{ url: '/live$', delay: 200 }]),
    });
    const port = await listen(proxy);
    const browser = await startBrowser();
    const tab = await browser.newPage();
    await tab.goto(`http://127.0.0.1:${port}/`);
    const started = performance.now();
    await tab.waitForSelector('body[data-result]', { state: 'attached', timeout: 20_000 });
    assert.equal(await tab.evaluate('document.body.dataset.result'), 'echo a,echo b');
    assert.ok(performance.now() - started >= 200, 'the delay held the messages back');
    assert.deepEqual(hosts, [appHost], "the app saw its own Host, as for the page's other requests");
  });

  test('an app that cannot be reached answers the upgrade with 502 and the reason', async () => {
    const closed = net.createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const deadPort = (closed.address() as AddressInfo).port;
    closed.close();
    await once(closed, 'close');
    const proxy = createBrowserProxy({ target: `http://127.0.0.1:${deadPort}`, script: '' });
    const port = await listen(proxy);
    const socket = net.connect(port, '127.0.0.1');
    socket.write(
      `GET /live HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
        'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
    );
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    await once(socket, 'close');
    const answer = Buffer.concat(chunks).toString('latin1');
    assert.match(answer, /^HTTP\/1\.1 502 Bad Gateway\r\n/);
    assert.match(answer, /cannot reach http:\/\/127\.0\.0\.1:\d+: connect ECONNREFUSED/);
  });
});
