import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  answerLikeAStatusFault,
  openPageWithFaults,
  startBrowser,
  startTwoOrigins,
} from './browser-helpers.js';

/** The real thing: /real/STATUS answered as a status fault answers, by a node:http server. */
const { app, elsewhere } = await startTwoOrigins((request, response) =>
  answerLikeAStatusFault(response, Number(/\/(\d{3})$/.exec(request.url ?? '')?.[1] ?? 404)),
);
const browser = await startBrowser();

/** In the page: what fetch's Response shows, headers of the connection left out. */
const seen = (
  url: string,
  mode = 'cors',
) => `fetch(${JSON.stringify(url)}, { mode: ${JSON.stringify(mode)} }).then(async (response) => {
  const headers = [...response.headers].filter(([name]) => !/^(date|connection|keep-alive|access-control-allow-origin)$/.test(name));
  const copy = response.clone();
  return [response.status, response.statusText, response.ok, response.type, response.url, response.redirected,
    JSON.stringify(headers), await response.text(), copy.status, copy.statusText, copy.type, copy.url, await copy.text()].join(' ; ');
}, (error) => 'rejected ' + error)`;

describe('in the page, a fetch answered by a status fault reads as a real server answer does', () => {
  test('status, statusText (the reason phrase), type, url, headers and body, same origin and not', async () => {
    const statuses = [200, 404, 418, 500, 503, 599];
    const tab = await openPageWithFaults(
      browser,
      app,
      statuses.map((status) => ({ url: `/api/${status}$`, status })),
    );
    for (const origin of ['', elsewhere])
      for (const status of statuses) {
        const expected = (await tab.evaluate(seen(`${origin}/real/${status}`))) as string;
        const faked = (await tab.evaluate(seen(`${origin}/api/${status}`))) as string;
        assert.equal(faked, expected.replaceAll('/real/', '/api/'), `${origin || 'same origin'} ${status}`);
      }
    await tab.close();
  });

  test('a no-cors fetch to another origin is opaque: status 0, no headers, no body, as the page sees a real one', async () => {
    const tab = await openPageWithFaults(browser, app, [{ url: '/api/', status: 503 }]);
    const expected = (await tab.evaluate(seen(`${elsewhere}/real/503`, 'no-cors'))) as string;
    assert.equal(await tab.evaluate(seen(`${elsewhere}/api/503`, 'no-cors')), expected);
    await tab.close();
  });
});

/** In the page: what an XHR shows of an answer, headers of the connection left out. */
const seenByXhr = (url: string) => `new Promise((resolve) => {
  const request = new XMLHttpRequest();
  request.open('GET', ${JSON.stringify(url)});
  request.onloadend = () => resolve([request.status, request.statusText, request.responseURL,
    request.getAllResponseHeaders().split('\\r\\n').filter((line) => line && !/^(date|connection|keep-alive|access-control-allow-origin):/.test(line)).join(' | '),
    request.getResponseHeader('X-Faultline-Fault'), request.responseText].join(' ; '));
  request.send();
})`;

describe('in the page, an XHR answered by a status fault from another origin', () => {
  test('shows only the headers a page may read across origins, as a real answer does', async () => {
    const tab = await openPageWithFaults(browser, app, [{ url: '/api/', status: 503 }]);
    for (const origin of ['', elsewhere]) {
      const expected = (await tab.evaluate(seenByXhr(`${origin}/real/503`))) as string;
      const faked = (await tab.evaluate(seenByXhr(`${origin}/api/503`))) as string;
      assert.equal(faked, expected.replaceAll('/real/', '/api/'), origin || 'same origin');
    }
    await tab.close();
  });

  test('a 3xx is the answer itself, not followed, as a real one with no Location (a fault has none)', async () => {
    const statuses = [301, 302, 303, 307, 308];
    const tab = await openPageWithFaults(
      browser,
      app,
      statuses.map((status) => ({ url: `/api/${status}$`, status })),
    );
    for (const origin of ['', elsewhere])
      for (const status of statuses) {
        const expected = (await tab.evaluate(seenByXhr(`${origin}/real/${status}`))) as string;
        const faked = (await tab.evaluate(seenByXhr(`${origin}/api/${status}`))) as string;
        assert.equal(faked, expected.replaceAll('/real/', '/api/'), `${origin || 'same origin'} ${status}`);
      }
    await tab.close();
  });
});

describe('in the page, a HEAD request answered by a status fault', () => {
  test('gets the headers a GET would and no body, from fetch and XHR, as from a real server', async () => {
    const tab = await openPageWithFaults(browser, app, [{ url: '/api/', status: 503 }]);
    const head = (url: string) => `Promise.all([
      fetch(${JSON.stringify(url)}, { method: 'HEAD' }).then(async (response) => [response.status,
        JSON.stringify([...response.headers].filter(([name]) => !/^(date|connection|keep-alive|access-control-allow-origin)$/.test(name))),
        JSON.stringify(await response.text()), response.body === null].join(' ; ')),
      new Promise((resolve) => {
        const request = new XMLHttpRequest();
        const seen = [];
        request.open('HEAD', ${JSON.stringify(url)});
        for (const type of ['readystatechange', 'progress', 'load', 'loadend'])
          request.addEventListener(type, (event) => seen.push(type + ' ' + request.readyState + ' ' + event.lengthComputable + ' ' + event.loaded + '/' + event.total));
        request.onloadend = () => resolve([...seen, request.status, request.getResponseHeader('Content-Length'), JSON.stringify(request.responseText)].join(' ; '));
        request.send();
      }),
    ])`;
    const expected = (await tab.evaluate(head('/real/503'))) as string[];
    assert.deepEqual(await tab.evaluate(head('/api/503')), expected);
    await tab.close();
  });
});
