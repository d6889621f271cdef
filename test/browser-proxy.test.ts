import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { after, describe, test } from 'node:test';
import { browserScript } from '../src/browser/bundle.js';
import { allowScriptHash } from '../src/browser/csp.js';
import { createBrowserProxy } from '../src/browser/proxy.js';
import { startBrowser } from './browser-helpers.js';

const policy = "default-src 'self'; script-src 'self'; img-src 'none'";
const pagePieces = [
  '<!doctype html><html><head><title>csp</title></head><body>',
  '<script src="/app.js"></script>',
  "<script>document.body.dataset.inline = 'ran';</script></body></html>",
];
const appScript = `document.body.dataset.external = 'ran';
fetch('/api/item').then((r) => { document.body.dataset.status = String(r.status); });`;

/** An app that sends its page chunked (no Content-Length), under a strict CSP, with a hop-by-hop header. */
const upstream = http.createServer((request, response) => {
  if (request.url === '/app.js') {
    response.writeHead(200, { 'Content-Type': 'text/javascript' });
    return response.end(appScript);
  }
  if (request.url === '/api/item') return response.end('{"id":1}');
  if (request.url === '/data') {
    response.writeHead(200, {
      'Content-Type': 'application/json',
      Connection: 'keep-alive, x-hop',
      'X-Hop': 'x',
    });
    response.write('{"a":');
    return setImmediate(() => response.end('1}'));
  }
  response.writeHead(200, {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Security-Policy': policy,
    Connection: 'keep-alive, x-hop',
    'X-Hop': 'for this connection only',
  });
  const [first, ...rest] = pagePieces;
  response.write(first);
  let index = 0;
  const next = () =>
    index < rest.length - 1 ? (response.write(rest[index++]), setImmediate(next)) : response.end(rest[index]);
  setImmediate(next);
});
upstream.listen(0, '127.0.0.1');
await once(upstream, 'listening');

const proxy = createBrowserProxy({
  target: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`,
  script: browserScript([{ url: '/api/', status: 503 }]),
});
proxy.listen(0, '127.0.0.1');
await once(proxy, 'listening');
const proxyPort = (proxy.address() as AddressInfo).port;
after(() => {
  proxy.closeAllConnections();
  proxy.close();
  upstream.closeAllConnections();
  upstream.close();
});

/** The raw bytes of a response, so framing can be checked as a proxy in front would see it. */
async function rawGet(path: string): Promise<{ head: string[]; body: Buffer }> {
  const socket = net.connect(proxyPort, '127.0.0.1');
  socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${proxyPort}\r\nConnection: close\r\n\r\n`);
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  await once(socket, 'close');
  const raw = Buffer.concat(chunks);
  const split = raw.indexOf('\r\n\r\n');
  return { head: raw.subarray(0, split).toString('latin1').split('\r\n'), body: raw.subarray(split + 4) };
}

const header = (head: string[], name: string) =>
  head
    .filter((line) => line.toLowerCase().startsWith(`${name}:`))
    .map((line) => line.slice(name.length + 1).trim());

describe('browser-proxy framing and headers', () => {
  test('a chunked HTML page comes back with Content-Length alone, and no hop-by-hop header', async () => {
    const { head, body } = await rawGet('/');
    assert.equal(head[0], 'HTTP/1.1 200 OK');
    assert.deepEqual(header(head, 'transfer-encoding'), []);
    assert.deepEqual(header(head, 'content-length'), [String(body.length)]);
    assert.deepEqual(header(head, 'x-hop'), []);
    assert.deepEqual(header(head, 'connection'), ['close']);
    assert.ok(body.toString('utf8').endsWith(pagePieces.slice(1).join('')));
  });

  test('a chunked response that is not HTML stays chunked, without Content-Length, and intact', async () => {
    const { head, body } = await rawGet('/data');
    assert.deepEqual(header(head, 'transfer-encoding'), ['chunked']);
    assert.deepEqual(header(head, 'content-length'), []);
    assert.deepEqual(header(head, 'x-hop'), []);
    assert.equal(body.toString('latin1'), '5\r\n{"a":\r\n2\r\n1}\r\n0\r\n\r\n');
  });

  test("the app's CSP is kept, with the hash of the injected script added to script-src", async () => {
    const { head, body } = await rawGet('/');
    const html = body.toString('utf8');
    const injected = /^<!doctype html><html><head><script>([\s\S]*?)<\/script><title>/.exec(html);
    assert.ok(injected, 'the script comes first in <head>');
    const hash = createHash('sha256').update(injected[1]!, 'utf8').digest('base64');
    assert.deepEqual(header(head, 'content-security-policy'), [
      `default-src 'self'; script-src 'self' 'sha256-${hash}'; img-src 'none'`,
    ]);
  });
});

describe('browser-proxy in Chromium under the kept CSP', () => {
  test("the fault script runs, the app's own script runs, and an inline script the CSP forbids stays blocked", async () => {
    const browser = await startBrowser();
    const page = await browser.newPage();
    const violations: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') violations.push(message.text());
    });
    await page.goto(`http://127.0.0.1:${proxyPort}/`);
    await page.waitForSelector('body[data-status]', { state: 'attached', timeout: 20_000 });
    const data = await page.evaluate('({ ...document.body.dataset })');
    assert.deepEqual(data, { external: 'ran', status: '503' });
    assert.equal(
      violations.filter((text) => text.includes('Content Security Policy')).length,
      1,
      `exactly the app's forbidden inline script is reported: ${violations.join(' | ')}`,
    );
  });
});

describe('patterns in the browser script', () => {
  test('a backtracking url rule does not freeze the page: it runs on RE2 there too', async () => {
    const browser = await startBrowser();
    const page = await browser.newPage();
    await page.addInitScript(browserScript([{ url: '^[^?]*/(a+)+$', status: 503 }]));
    await page.goto(`http://127.0.0.1:${proxyPort}/data`);
    const statuses = await page.evaluate(
      `Promise.all(['/${'a'.repeat(64)}!', '/aaaa'].map((path) => fetch(path).then((r) => r.status)))`,
    );
    assert.deepEqual(statuses, [200, 503]);
  });

  test('a pattern RE2 cannot run is refused when the script is made, with the reason', () => {
    assert.throws(
      () => browserScript([{ url: '(?<=/api)/x', status: 503 }]),
      /url in browser fault 1: invalid pattern "\(\?<=\/api\)\/x": .*no lookahead, lookbehind or backreferences/,
    );
  });
});

describe('allowScriptHash', () => {
  const hash = "'sha256-abc='";
  test('adds the hash where scripts are decided, and leaves every other directive alone', () => {
    assert.equal(
      allowScriptHash("script-src 'none'; object-src 'none'", hash),
      `script-src ${hash}; object-src 'none'`,
    );
    assert.equal(
      allowScriptHash("default-src 'self' https://cdn.example; img-src *", hash),
      `default-src 'self' https://cdn.example; img-src *; script-src 'self' https://cdn.example ${hash}`,
    );
    assert.equal(
      allowScriptHash("script-src-elem 'self'; script-src 'self' 'nonce-r4nd0m'", hash),
      `script-src-elem 'self' ${hash}; script-src 'self' 'nonce-r4nd0m' ${hash}`,
    );
    assert.equal(allowScriptHash("img-src 'self'", hash), "img-src 'self'");
    assert.equal(
      allowScriptHash("script-src 'self', default-src 'none'", hash),
      `script-src 'self' ${hash}, default-src 'none'; script-src ${hash}`,
    );
  });

  test("keeps 'unsafe-inline' working: with it and no hash or nonce, nothing is added", () => {
    assert.equal(
      allowScriptHash("script-src 'self' 'unsafe-inline'", hash),
      "script-src 'self' 'unsafe-inline'",
    );
  });
});
