import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { openPageWithFaults, startBrowser, startPageApp } from './browser-helpers.js';

/** The real thing: the app answers /real/STATUS with that status and no body. */
const { origin: app } = await startPageApp((request, response) => {
  const status = /^\/real\/(\d{3})$/.exec(request.url!)?.[1];
  response.writeHead(status === undefined ? 404 : Number(status), { 'Content-Length': '0' });
  response.end();
});
const browser = await startBrowser();

/** In the page: what fetch and an XHR (text and JSON) see of an answer. */
const seen = (url: string) => `Promise.all([
  fetch(${JSON.stringify(url)}).then(async (response) => 'fetch ' + response.status + ' "' + await response.text() + '"', (error) => 'fetch rejected: ' + error),
  ...['', 'json'].map((type) => new Promise((resolve) => {
    const request = new XMLHttpRequest();
    request.open('GET', ${JSON.stringify(url)});
    request.responseType = type;
    request.onload = () => resolve('xhr ' + type + ' ' + request.status + ' ' + JSON.stringify(request.response));
    request.onerror = () => resolve('xhr ' + type + ' error');
    request.send();
  })),
])`;

describe('in the page, an injected 204, 205 or 304 answers as the app would: no body', () => {
  test('fetch resolves with no body (it rejected with a TypeError), an XHR reads nothing', async () => {
    const tab = await openPageWithFaults(
      browser,
      app,
      [204, 205, 304].map((status) => ({ url: `/api/${status}$`, status })),
    );
    for (const status of [204, 205, 304]) {
      const injected = (await tab.evaluate(seen(`/api/${status}`))) as string[];
      // Chromium gives a real 204 an empty stream as its body, and so does the fault (below).
      assert.equal(injected[0], `fetch ${status} ""`);
      // A real 304 to a request with no validators is the app's own business; 204 and 205 compare.
      if (status !== 304) assert.deepEqual(injected, await tab.evaluate(seen(`/real/${status}`)));
    }
    await tab.close();
  });
});

/** In the page: what fetch's body is for an answer: a stream or null, what it yields, its clone's. */
const bodySeen = (
  url: string,
  method: string,
) => `fetch(${JSON.stringify(url)}, { method: ${JSON.stringify(method)} }).then(async (response) => {
  const copy = response.clone();
  const read = async (body) => {
    if (body === null) return 'null';
    const reader = body.getReader({ mode: 'byob' });
    const sizes = [];
    for (let step = 0; step < 10; step++) {
      const { done, value } = await reader.read(new Uint8Array(64));
      if (done) break;
      sizes.push(value.byteLength);
    }
    return 'stream of ' + JSON.stringify(sizes);
  };
  const body = await read(response.body);
  return [response.status, response.ok, body, response.bodyUsed, await read(copy.body),
    await response.text().catch((error) => String(error))].join(' ; ');
}, (error) => 'rejected ' + error)`;

describe('in the page, an injected 204, 205 or 304 has the body a real one has in Chromium', () => {
  test('an empty byte stream, not null: read, it leaves the response used (GET and HEAD)', async () => {
    const tab = await openPageWithFaults(
      browser,
      app,
      [204, 205, 304].map((status) => ({ url: `/api/${status}$`, status })),
    );
    for (const status of [204, 205, 304])
      for (const method of ['GET', 'HEAD']) {
        const expected = (await tab.evaluate(bodySeen(`/real/${status}`, method))) as string;
        assert.match(expected, /stream of \[\]/);
        assert.equal(await tab.evaluate(bodySeen(`/api/${status}`, method)), expected, `${method} ${status}`);
      }
    await tab.close();
  });
});
