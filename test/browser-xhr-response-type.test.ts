import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { openPageWithFaults, startBrowser, startPageApp } from './browser-helpers.js';

/** The real thing: the app itself answers 503 with the bodies the faults inject. */
const { origin: app } = await startPageApp((request, response) => {
  response.writeHead(503, { 'Content-Type': 'text/plain' });
  response.end(request.url === '/real/json' ? '{"error":"down"}' : 'injected fault: status 503');
});
const browser = await startBrowser();

/** In the page: what xhr.response and xhr.responseText are, for each responseType, at load. */
const shapes = (
  url: string,
) => `Promise.all(['', 'text', 'json', 'arraybuffer', 'blob'].map((type) => new Promise((resolve) => {
  const request = new XMLHttpRequest();
  request.open('GET', ${JSON.stringify(url)});
  request.responseType = type;
  request.onload = () => {
    const value = request.response;
    const shape = value === null ? 'null' : value instanceof ArrayBuffer ? 'bytes ' + value.byteLength
      : value instanceof Blob ? 'blob ' + value.size : typeof value === 'string' ? 'text ' + value : 'json ' + JSON.stringify(value);
    let text;
    try { text = request.responseText; } catch (error) { text = error.name; }
    resolve(type + ': ' + request.status + ' ' + shape + ' / ' + text);
  };
  request.send();
})))`;

describe('an injected XHR or fetch status answers as the app would: responseType, URL', () => {
  test('text, parsed JSON (null when not JSON), bytes and a blob; responseText only for text', async () => {
    const tab = await openPageWithFaults(browser, app, [
      { url: '/api/text$', status: 503 },
      { url: '/api/json$', status: 503, body: '{"error":"down"}' },
    ]);
    const injectedText = (await tab.evaluate(shapes('/api/text'))) as string[];
    const injectedJson = (await tab.evaluate(shapes('/api/json'))) as string[];
    assert.deepEqual(injectedText, await tab.evaluate(shapes('/real/text')));
    assert.deepEqual(injectedJson, await tab.evaluate(shapes('/real/json')));
    assert.equal(injectedJson[2], 'json: 503 json {"error":"down"} / InvalidStateError');
    const urls = (path: string) =>
      `Promise.all([fetch('${path}').then((response) => response.url), new Promise((resolve) => {
        const request = new XMLHttpRequest();
        request.open('GET', '${path}');
        request.onload = () => resolve(request.responseURL);
        request.send();
      })])`;
    assert.deepEqual(await tab.evaluate(urls('/api/text')), [`${app}/api/text`, `${app}/api/text`]);
    await tab.close();
  });
});
