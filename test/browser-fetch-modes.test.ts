import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  answerLikeAStatusFault,
  openPageWithFaults,
  startBrowser,
  startTwoOrigins,
} from './browser-helpers.js';

/** The paths asked of the servers, to see what reached the network. */
const asked: string[] = [];
/**
 * The real thing: /real/STATUS answered as a status fault answers (no Location, as a fault gives
 * none); any other path with a 200, so that a request the fault should have answered shows.
 */
const { app, elsewhere } = await startTwoOrigins((request, response) => {
  asked.push(request.url ?? '');
  answerLikeAStatusFault(response, Number(/^\/real\/(\d{3})$/.exec(request.url ?? '')?.[1] ?? 200));
});
const browser = await startBrowser();

/** In the page: what fetch gives for this URL and init, headers of the connection left out. */
const seen = (url: string, init: Record<string, string>) =>
  `fetch(${JSON.stringify(url)}, ${JSON.stringify(init)}).then(async (response) => {
  const headers = [...response.headers].filter(([name]) => !/^(date|connection|keep-alive|access-control-allow-origin)$/.test(name));
  const copy = response.clone();
  return [response.status, response.statusText, response.ok, response.type, response.url, response.redirected,
    JSON.stringify(headers), response.body === null, await response.text(), copy.status, copy.type, copy.url].join(' ; ');
}, (error) => 'rejected ' + error)`;

describe('in the page, a fetch the browser refuses before sending it gets the browser’s own refusal, faults or not', () => {
  const refused: [string, Record<string, string>][] = [
    [elsewhere, { mode: 'same-origin' }],
    ['', { mode: 'navigate' }],
    [elsewhere, { mode: 'no-cors', redirect: 'manual' }],
    [elsewhere, { mode: 'no-cors', redirect: 'error' }],
    ['', { method: 'GET', body: 'a body' }],
    // A URL fetch cannot parse: its own words, not those of faultline's new URL().
    ['http://[', {}],
  ];
  for (const [origin, init] of refused)
    test(`${origin || 'same origin'}, ${JSON.stringify(init)}`, async () => {
      const tab = await openPageWithFaults(browser, app, [{ url: '/api/', status: 503 }]);
      const url = `${origin}/api/503`;
      const faked = (await tab.evaluate(seen(url, init))) as string;
      assert.deepEqual(await tab.evaluate('window.faultline.counts'), {}, 'no fault reported');
      await tab.evaluate('window.faultline.uninstall()');
      const expected = (await tab.evaluate(seen(url, init))) as string;
      assert.match(expected, /^rejected TypeError/);
      assert.equal(faked, expected);
      assert.deepEqual(
        asked.filter((path) => path.startsWith('/api/')),
        [],
        'nothing was sent',
      );
      await tab.close();
    });
  test('a Request whose body the page has read', async () => {
    const tab = await openPageWithFaults(browser, app, [{ url: '/api/', status: 503 }]);
    const used = `(async () => {
      const request = new Request('/api/503', { method: 'POST', body: 'a body' });
      await request.text();
      return fetch(request).then((response) => String(response.status), (error) => 'rejected ' + error);
    })()`;
    const faked = (await tab.evaluate(used)) as string;
    assert.deepEqual(await tab.evaluate('window.faultline.counts'), {}, 'no fault reported');
    await tab.evaluate('window.faultline.uninstall()');
    const expected = (await tab.evaluate(used)) as string;
    assert.match(expected, /^rejected TypeError/);
    assert.equal(faked, expected);
    await tab.close();
  });
});

describe('in the page, a fetch answered by a status fault follows its redirect mode as a real answer does', () => {
  // 300 is no redirect to fetch. (304 neither: it has no body, compared in
  // test/browser-null-body-status.test.ts.)
  const statuses = [300, 301, 302, 303, 307, 308];
  for (const redirect of ['manual', 'error', 'follow'] as const)
    test(`redirect: '${redirect}', same origin and not`, async () => {
      const tab = await openPageWithFaults(
        browser,
        app,
        statuses.map((status) => ({ url: `/api/${status}$`, status })),
      );
      for (const origin of ['', elsewhere])
        for (const status of statuses) {
          // To its own origin, a no-cors fetch goes as a cors one, with its redirect mode.
          for (const init of origin ? [{ redirect }] : [{ redirect }, { redirect, mode: 'no-cors' }]) {
            const expected = (await tab.evaluate(seen(`${origin}/real/${status}`, init))) as string;
            const faked = (await tab.evaluate(seen(`${origin}/api/${status}`, init))) as string;
            assert.equal(
              faked,
              expected.replaceAll('/real/', '/api/'),
              `${origin || 'same origin'} ${status} ${JSON.stringify(init)}`,
            );
          }
        }
      await tab.close();
    });
});
