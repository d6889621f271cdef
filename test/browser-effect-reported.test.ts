import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { browserScript } from '../src/browser/bundle.js';
import type { FaultSpec } from '../src/model/fault.js';
import type { FaultApplied } from '../src/model/fault-event.js';
import { waitFor } from './helpers.js';
import { startBrowser, startPageApp } from './browser-helpers.js';

const { origin: app } = await startPageApp((request, response) => {
  response.end('real');
});
const browser = await startBrowser();

const hour = 3_600_000;

/** A page with the faults, collecting the script's reports: its events and its console lines. */
async function pageWith(faults: FaultSpec[]) {
  const tab = await browser.newPage();
  const lines: string[] = [];
  tab.on('console', (message) => {
    if (message.text().startsWith('[faultline] ') && !/installed|uninstalled/.test(message.text()))
      lines.push(message.text());
  });
  await tab.addInitScript(
    "window.__reports = []; addEventListener('faultline:fault', (event) => window.__reports.push(event.detail));",
  );
  await tab.addInitScript(browserScript(faults));
  await tab.goto(app);
  return { tab, lines };
}

/** The reports the page's script made, and its counts. */
const reportsOf = (tab: Page) =>
  tab.evaluate(() => {
    const page = globalThis as unknown as {
      __reports: FaultApplied[];
      faultline?: { counts: Record<string, number> };
    };
    return { reports: page.__reports, counts: page.faultline?.counts };
  });

/** In the page: an XHR to `url`, aborted after `abortAfter` ms (0: never), or timing out after `timeout` ms. */
const xhr = (url: string, { abortAfter = 0, timeout = 0 } = {}) => `new Promise((resolve) => {
  const request = new XMLHttpRequest();
  request.open('GET', ${JSON.stringify(url)});
  request.timeout = ${timeout};
  request.onloadend = () => resolve(request.status);
  request.send();
  if (${abortAfter} > 0) setTimeout(() => request.abort(), ${abortAfter});
})`;

describe('the browser script reports a fault when it takes effect, not when it chooses it', () => {
  test('fetch: a delay the page aborts is one cutShort report by "app", and the status it would have answered is not reported', async () => {
    const { tab, lines } = await pageWith([{ name: 'slow-503', url: '/api/', delay: hour, status: 503 }]);
    const outcome = await tab.evaluate(async () => {
      const cancel = new AbortController();
      setTimeout(() => cancel.abort(), 50);
      const cancelled = await fetch('/api/1', { signal: cancel.signal }).then(
        (response) => `resolved ${response.status}`,
        (error: Error) => error.name,
      );
      const timedOut = await fetch('/api/2', { signal: AbortSignal.timeout(50) }).then(
        (response) => `resolved ${response.status}`,
        (error: Error) => error.name,
      );
      return [cancelled, timedOut];
    });
    assert.deepEqual(outcome, ['AbortError', 'TimeoutError']);
    const { reports, counts } = await reportsOf(tab);
    assert.deepEqual(
      reports.map(({ fault, target, effect, call, cutShort }) => ({
        fault,
        target,
        effect,
        call,
        by: cutShort?.by,
      })),
      [1, 2].map((n) => ({
        fault: 'slow-503',
        target: 'fetch',
        effect: 'delay',
        call: { url: `${app}/api/${n}`, httpMethod: 'GET' },
        by: 'app',
      })),
    );
    for (const { cutShort } of reports) assert.ok(cutShort!.heldMs >= 0 && cutShort!.heldMs < hour);
    assert.deepEqual(counts, { 'slow-503': 2 });
    await waitFor(() => lines.length === 2, 'the two console lines');
    for (const line of lines) {
      assert.match(
        line,
        /^\[faultline\] fetch GET http:\/\/\S+\/api\/\d: the page gave up after \d+ ms of the 3600000 ms delay; nothing else happened/,
      );
      assert.doesNotMatch(line, /answers/);
    }
    await tab.close();
  });

  test('fetch: a signal aborted before the call means the fault did nothing, and nothing is reported', async () => {
    const { tab, lines } = await pageWith([{ url: '/api/', delay: hour, status: 503 }]);
    const outcome = await tab.evaluate(() =>
      fetch('/api/1', { signal: AbortSignal.abort() }).then(
        () => 'resolved',
        (error: Error) => error.name,
      ),
    );
    assert.equal(outcome, 'AbortError');
    assert.deepEqual(await reportsOf(tab), { reports: [], counts: {} });
    assert.deepEqual(lines, []);
    await tab.close();
  });

  test('XHR: a delay the page aborts or times out is a cutShort report by "app", and no status report', async () => {
    const { tab, lines } = await pageWith([{ name: 'slow-503', url: '/api/', delay: hour, status: 503 }]);
    assert.equal(await tab.evaluate(xhr('/api/1', { abortAfter: 50 })), 0);
    assert.equal(await tab.evaluate(xhr('/api/2', { timeout: 50 })), 0);
    const { reports, counts } = await reportsOf(tab);
    assert.deepEqual(
      reports.map(({ target, effect, call, cutShort }) => [target, effect, call.url, cutShort?.by]),
      [
        ['xhr', 'delay', `${app}/api/1`, 'app'],
        ['xhr', 'delay', `${app}/api/2`, 'app'],
      ],
    );
    assert.deepEqual(counts, { 'slow-503': 2 });
    await waitFor(() => lines.length === 2, 'the two console lines');
    for (const line of lines) assert.match(line, /^\[faultline\] xhr GET \S+: the page gave up after \d+ ms/);
    await tab.close();
  });

  test('a delay held in full is one report of the status that followed, for fetch and XHR', async () => {
    const { tab, lines } = await pageWith([{ name: 'slow-503', url: '/api/', delay: 20, status: 503 }]);
    const statuses = await tab.evaluate(
      `Promise.all([fetch('/api/1').then((r) => r.status), ${xhr('/api/2')}])`,
    );
    assert.deepEqual(statuses, [503, 503]);
    const { reports, counts } = await reportsOf(tab);
    assert.deepEqual(
      reports.map(({ target, effect, call, cutShort }) => [target, effect, call.url, cutShort]).sort(),
      [
        ['fetch', 'status', `${app}/api/1`, undefined],
        ['xhr', 'status', `${app}/api/2`, undefined],
      ],
    );
    assert.deepEqual(counts, { 'slow-503': 2 });
    await waitFor(() => lines.length === 2, 'the two console lines');
    for (const line of lines)
      assert.match(
        line,
        /: delays requests whose URL matches "\/api\/" by 20 ms, then answers them with status 503$/,
      );
    await tab.close();
  });

  test('uninstall() during a delay: the request goes on untouched, reported as cut short by "replaced"', async () => {
    const { tab } = await pageWith([{ url: '/api/', delay: hour, status: 503 }]);
    const statuses = await tab.evaluate(`(() => {
      const both = Promise.all([fetch('/api/1').then((r) => r.status), ${xhr('/api/2')}]);
      window.faultline.uninstall();
      return both;
    })()`);
    assert.deepEqual(statuses, [200, 200]);
    const { reports } = await reportsOf(tab);
    assert.deepEqual(reports.map(({ target, effect, cutShort }) => [target, effect, cutShort?.by]).sort(), [
      ['fetch', 'delay', 'replaced'],
      ['xhr', 'delay', 'replaced'],
    ]);
    await tab.close();
  });
});
