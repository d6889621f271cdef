import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { browserScript } from '../src/browser/bundle.js';
import type { FaultApplied } from '../src/model/fault-event.js';
import { openPageWithFaults, startBrowser, startPageApp } from './browser-helpers.js';

const { origin: app } = await startPageApp((request, response) => {
  response.end(`real ${request.url ?? ''}`);
});
const browser = await startBrowser();

/** In the page: one XHR sent to `first`, then opened again and sent to /other; what each load ended with. */
const reused = (first: string) => `new Promise((resolve) => {
  const request = new XMLHttpRequest();
  const seen = [];
  const note = (what) => seen.push(what + ' ' + request.readyState + ' ' + request.status + ' ' + request.responseText);
  request.onloadend = () => {
    note('first');
    request.onloadend = () => { note('second'); resolve(seen); };
    request.open('GET', '/other');
    request.send();
  };
  request.open('GET', ${JSON.stringify(first)});
  request.send();
})`;

describe('an XHR the page opens again after a fault is a plain request again', () => {
  test('after a status or an abort fault, the next request on the same XHR shows its real answer', async () => {
    const tab = await openPageWithFaults(browser, app, [
      { status: 503, url: '/unavailable' },
      { abort: true, url: '/dropped' },
    ]);
    assert.deepEqual(await tab.evaluate(reused('/unavailable')), [
      'first 4 503 injected fault: status 503',
      'second 4 200 real /other',
    ]);
    assert.deepEqual(await tab.evaluate(reused('/dropped')), ['first 4 0 ', 'second 4 200 real /other']);
    await tab.close();
  });

  test('open() during a delay lets the held request go quietly, reported as cut short by the page, never as its status', async () => {
    const tab = await browser.newPage();
    await tab.addInitScript(
      "window.__reports = []; addEventListener('faultline:fault', (event) => window.__reports.push(event.detail));",
    );
    await tab.addInitScript(browserScript([{ delay: 3_600_000, status: 503, url: '/held' }]));
    await tab.goto(app);
    const seen = await tab.evaluate(`new Promise((resolve) => {
      const request = new XMLHttpRequest();
      request.open('GET', '/held');
      request.send();
      request.open('GET', '/other');
      request.onloadend = () => resolve(request.status + ' ' + request.responseText);
      request.send();
    })`);
    assert.equal(seen, '200 real /other');
    const reports = await tab.evaluate(
      () => (globalThis as unknown as { __reports: FaultApplied[] }).__reports,
    );
    assert.deepEqual(
      reports.map(({ effect, call, cutShort }) => [effect, call.url, cutShort?.by]),
      [['delay', `${app}/held`, 'app']],
    );
    await tab.close();
  });
});
