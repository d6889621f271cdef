import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, test } from 'node:test';
import { browserScript } from '../src/browser/bundle.js';
import { createBrowserProxy } from '../src/browser/proxy.js';
import { startBrowser } from './browser-helpers.js';

/** An app that builds absolute redirects from the Host it is sent, as many frameworks do. */
const app = http.createServer((request, response) => {
  const host = request.headers.host ?? '';
  if (request.url === '/') {
    response.writeHead(302, { Location: `http://${host}/login?next=%2F#top` });
    return response.end();
  }
  if (request.url === '/elsewhere') {
    response.writeHead(302, { Location: 'http://example.invalid/login' });
    return response.end();
  }
  if (request.url === '/relative') {
    response.writeHead(302, { Location: '/login' });
    return response.end();
  }
  response.writeHead(200, { 'Content-Type': 'text/html' });
  response.end('<!doctype html><html><head></head><body>login</body></html>');
});
app.listen(0, '127.0.0.1');
await once(app, 'listening');
const proxy = createBrowserProxy({
  target: `http://127.0.0.1:${(app.address() as AddressInfo).port}`,
  script: browserScript([{ url: '/api/', status: 503 }]),
});
proxy.listen(0, '127.0.0.1');
await once(proxy, 'listening');
const proxyHost = `127.0.0.1:${(proxy.address() as AddressInfo).port}`;
after(() => {
  for (const server of [proxy, app]) {
    server.closeAllConnections();
    server.close();
  }
});

const locationOf = (path: string) =>
  new Promise<string | undefined>((resolve, reject) =>
    http
      .get(`http://${proxyHost}${path}`, (response) => {
        response.resume();
        resolve(response.headers.location);
      })
      .on('error', reject),
  );

describe('browser-proxy keeps the browser on the proxy when the app redirects to its own origin', () => {
  test("a redirect to the app's origin points at the proxy; others are left as they are", async () => {
    assert.equal(await locationOf('/'), `http://${proxyHost}/login?next=%2F#top`);
    assert.equal(await locationOf('/elsewhere'), 'http://example.invalid/login');
    assert.equal(await locationOf('/relative'), '/login');
  });

  test('in Chromium, the page after the redirect is served through the proxy, with the fault script', async () => {
    const browser = await startBrowser();
    const tab = await browser.newPage();
    await tab.goto(`http://${proxyHost}/`);
    assert.equal(new URL(tab.url()).host, proxyHost);
    assert.equal(await tab.evaluate('typeof window.faultline'), 'object');
  });
});
