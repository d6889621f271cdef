import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { closedPort } from './helpers.js';
import { openPageWithFaults, startBrowser, startPageApp } from './browser-helpers.js';

/** `/unavailable` answers 503 with a body, `/slow` never answers: the real requests to compare with. */
const { origin: app } = await startPageApp((request, response) => {
  if (request.url === '/slow') return;
  response.writeHead(503, { 'Content-Type': 'text/plain' });
  response.end('real 503');
});
const refusing = `http://127.0.0.1:${await closedPort()}/refused`;
const browser = await startBrowser();

/**
 * In the page: an XHR to `url` (with `timeout` ms, 0 for none; aborted at once if `abortAtOnce`)
 * that ends; then abort(), with the
 * events it fires, what the request reads as afterwards and whether send() takes it again.
 */
const abortedOnceDone = (url: string, timeout = 0, abortAtOnce = false) => `new Promise((resolve) => {
  const request = new XMLHttpRequest();
  const seen = [];
  request.open('GET', ${JSON.stringify(url)});
  request.timeout = ${timeout};
  request.addEventListener('loadend', () => setTimeout(() => {
    seen.push('done ' + request.readyState);
    for (const type of ['readystatechange', 'load', 'error', 'abort', 'timeout', 'loadend'])
      request.addEventListener(type, () => seen.push(type + ' ' + request.readyState));
    for (const type of ['abort', 'loadend'])
      request.upload.addEventListener(type, () => seen.push('upload ' + type));
    request.abort();
    const read = [request.readyState, request.status, request.statusText, request.responseURL,
      request.response, request.responseText, request.getAllResponseHeaders()];
    seen.push('after abort ' + JSON.stringify(read));
    try {
      request.send();
      seen.push('sent again');
    } catch (error) {
      seen.push('send: ' + error.name + ': ' + error.message);
    }
    resolve(seen);
  }, 0), { once: true });
  request.send();
  if (${abortAtOnce}) request.abort();
})`;

/** In the page: abort() on an XHR opened and not sent, which changes nothing and fires nothing. */
const abortedWhenOpened = (url: string) => `(() => {
  const request = new XMLHttpRequest();
  const seen = [];
  request.open('GET', ${JSON.stringify(url)});
  for (const type of ['readystatechange', 'abort', 'loadend']) request.addEventListener(type, () => seen.push(type));
  request.abort();
  seen.push('after abort ' + request.readyState + ' ' + request.status);
  return seen;
})()`;

describe('xhr.abort() on a request a fault ended acts as on a real one that ended', () => {
  test('DONE after a status, error, timeout or abort fault: abort() sets readyState 0 (UNSENT), status 0, no events', async () => {
    const tab = await openPageWithFaults(browser, app, [
      { status: 503, url: '/faked-status' },
      { error: 'connection refused', url: '/faked-error' },
      { delay: 3_600_000, status: 503, url: '/faked-held' },
      { abort: true, url: '/faked-abort' },
    ]);
    const real = {
      status: await tab.evaluate(abortedOnceDone('/unavailable')),
      error: await tab.evaluate(abortedOnceDone(refusing)),
      timeout: await tab.evaluate(abortedOnceDone('/slow', 50)),
      abort: await tab.evaluate(abortedOnceDone('/slow', 0, true)),
    };
    const unsent = [
      'done 4',
      'after abort [0,0,"","","","",""]',
      "send: InvalidStateError: Failed to execute 'send' on 'XMLHttpRequest': The object's state must be OPENED.",
    ];
    assert.deepEqual(
      real,
      { status: unsent, error: unsent, timeout: unsent, abort: ['done 0', ...unsent.slice(1)] },
      'what Chromium does',
    );
    assert.deepEqual(
      {
        status: await tab.evaluate(abortedOnceDone('/faked-status')),
        error: await tab.evaluate(abortedOnceDone('/faked-error')),
        timeout: await tab.evaluate(abortedOnceDone('/faked-held', 50)),
        abort: await tab.evaluate(abortedOnceDone('/faked-abort')),
      },
      real,
    );
    await tab.close();
  });

  test('OPENED and not sent: abort() leaves it opened and fires nothing, faulted or not', async () => {
    const tab = await openPageWithFaults(browser, app, [{ status: 503, url: '/faked-status' }]);
    const real = await tab.evaluate(abortedWhenOpened('/unavailable'));
    assert.deepEqual(real, ['after abort 1 0']);
    assert.deepEqual(await tab.evaluate(abortedWhenOpened('/faked-status')), real);
    await tab.close();
  });
});
