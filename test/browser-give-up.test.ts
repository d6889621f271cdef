import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { openPageWithFaults, startBrowser, startPageApp } from './browser-helpers.js';

/** `/slow` never answers, as a stuck upstream; `/api/…` would answer, if a request got there. */
const reached: string[] = [];
const { server, origin: app } = await startPageApp((request, response) => {
  reached.push(request.url ?? '');
  if (request.url === '/slow') return;
  response.end('real');
});
const browser = await startBrowser();

/** In the page: the events an XHR fires, with readyState and status, when it times out or is aborted. */
const xhrEnding = (url: string, timeout: number, abortAfter: number) => `new Promise((resolve) => {
  const request = new XMLHttpRequest();
  const events = [];
  const note = (type, where) => () => events.push(where + type + ' ' + request.readyState + ' ' + request.status);
  request.open('GET', ${JSON.stringify(url)});
  request.timeout = ${timeout};
  for (const type of ['readystatechange', 'load', 'error', 'abort', 'timeout']) request.addEventListener(type, note(type, ''));
  for (const type of ['abort', 'timeout', 'loadend']) request.upload.addEventListener(type, note(type, 'upload '));
  request.addEventListener('loadend', () => {
    events.push('loadend ' + request.readyState + ' ' + request.status);
    setTimeout(() => resolve([...events, 'after ' + request.readyState + ' ' + request.status]), 300);
  });
  request.send();
  if (${abortAfter} > 0) setTimeout(() => request.abort(), ${abortAfter});
})`;

describe('the page gives up on a request a delay holds, as on a slow network', () => {
  test('XHR: timeout and abort() end it when the page says, with the events of a real one; nothing is sent', async () => {
    const tab = await openPageWithFaults(browser, app, [{ url: '/api/', delay: 3_000, status: 503 }]);
    const timedOut = (await tab.evaluate(xhrEnding('/api/1', 100, 0))) as string[];
    const realTimedOut = (await tab.evaluate(xhrEnding('/slow', 100, 0))) as string[];
    const aborted = (await tab.evaluate(xhrEnding('/api/2', 0, 100))) as string[];
    server.closeAllConnections();
    const realAborted = (await tab.evaluate(xhrEnding('/slow', 0, 100))) as string[];
    assert.deepEqual(timedOut, realTimedOut);
    assert.ok(timedOut.includes('timeout 4 0'), timedOut.join(', '));
    assert.deepEqual(aborted, realAborted);
    assert.ok(aborted.includes('abort 4 0'), aborted.join(', '));
    assert.deepEqual(
      reached.filter((url) => url.startsWith('/api/')),
      [],
      'a request the page gave up on is never sent',
    );
    await tab.close();
  });

  test("fetch: the page's signal rejects the call when it fires, with its reason, never with the fault", async () => {
    const tab = await openPageWithFaults(browser, app, [{ url: '/api/', delay: 3_000, status: 503 }]);
    const outcome = await tab.evaluate(async () => {
      const started = performance.now();
      const timedOut = await fetch('/api/3', { signal: AbortSignal.timeout(100) }).then(
        (response) => `resolved ${response.status}`,
        (error: Error) => error.name,
      );
      const cancel = new AbortController();
      const pending = fetch(new Request('/api/4', { signal: cancel.signal }));
      cancel.abort();
      const cancelled = await pending.then(
        (response) => `resolved ${response.status}`,
        (error: Error) => error.name,
      );
      return { timedOut, cancelled, quick: performance.now() - started < 2_000 };
    });
    assert.deepEqual(outcome, { timedOut: 'TimeoutError', cancelled: 'AbortError', quick: true });
    await tab.close();
  });
});
