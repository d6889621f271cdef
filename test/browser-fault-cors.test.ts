import assert from 'node:assert/strict';
import type { RequestListener } from 'node:http';
import { after, describe, test } from 'node:test';
import { browserScript } from '../src/browser/bundle.js';
import { launchChromium, startHttpApp } from './helpers.js';

/** The real thing: a server that allows no other origin (no Access-Control-Allow-Origin). */
const real: RequestListener = (request, response) => {
  if (request.url === '/') {
    response.writeHead(200, { 'Content-Type': 'text/html' });
    return response.end('<!doctype html><html><head></head><body></body></html>');
  }
  response.writeHead(503, { 'Content-Type': 'text/plain' });
  response.end('down');
};
const { origin: app } = await startHttpApp(real);
// Another origin (localhost, not 127.0.0.1).
const { origin: other } = await startHttpApp(real);
const elsewhere = `${other.replace('127.0.0.1', 'localhost')}/api/503`;
const browser = await launchChromium();
after(() => browser.close());

/** In the page: what fetch and an XHR show of a cross-origin answer. */
const seen = `Promise.all([
  fetch(${JSON.stringify(elsewhere)}).then((response) => 'fetch ' + response.status + ' ' + response.type, (error) => 'fetch rejected ' + error),
  new Promise((resolve) => {
    const request = new XMLHttpRequest();
    request.open('GET', ${JSON.stringify(elsewhere)});
    request.onload = () => resolve('xhr load ' + request.status);
    request.onerror = () => resolve('xhr error ' + request.status);
    request.send();
  }),
])`;

describe('in the page, a status fault to another origin answers as a server that allows the page', () => {
  test('the status is readable where the server itself, allowing no other origin, is refused by CORS', async () => {
    const tab = await browser.newPage();
    await tab.addInitScript(browserScript([{ url: '/api/', status: 503 }]));
    await tab.goto(app);
    // The fault decides in the server's stead: nothing is sent, so no server refuses the origin.
    assert.deepEqual(await tab.evaluate(seen), ['fetch 503 cors', 'xhr load 503']);
    await tab.evaluate('window.faultline.uninstall()');
    assert.deepEqual(await tab.evaluate(seen), ['fetch rejected TypeError: Failed to fetch', 'xhr error 0']);
    await tab.close();
  });
});
