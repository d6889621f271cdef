import assert from 'node:assert/strict';
import { once } from 'node:events';
import { type AddressInfo, createServer } from 'node:net';
import { describe, test } from 'node:test';
import { openPageWithFaults, startBrowser, startPageApp } from './browser-helpers.js';

/**
 * The real thing: the app answers 503 with the body and headers of the fault's answer. Headers
 * of the connection, not of the answer (date, connection, keep-alive), are left out when comparing.
 */
const { origin: app } = await startPageApp((request, response) => {
  request.resume();
  request.on('end', () => {
    if (request.url?.endsWith('/empty')) {
      response.writeHead(204, { 'X-Faultline-Fault': 'injected' });
      return response.end();
    }
    const body = request.url?.endsWith('/json') ? '{"error":"down"}' : 'injected fault: status 503';
    response.writeHead(503, {
      'Content-Type': 'text/plain;charset=UTF-8',
      'Content-Length': Buffer.byteLength(body),
      'X-Faultline-Fault': 'injected',
    });
    response.end(body);
  });
});
// A port nobody listens on: a request there ends with the network error an error fault stands for.
const unused = createServer().listen(0, '127.0.0.1');
await once(unused, 'listening');
const deadPort = (unused.address() as AddressInfo).port;
unused.close();
const browser = await startBrowser();

/**
 * In the page: an XHR with every event the page can listen to, on the request and its upload,
 * each with the readyState (and the progress counts) it saw; the status, headers and URL at
 * HEADERS_RECEIVED; then at loadend what the request reads as for its responseType.
 */
const recorded = (
  url: string,
  responseType: string,
  method = 'GET',
  body: string | null = null,
) => `new Promise((resolve) => {
  const request = new XMLHttpRequest();
  const seen = [];
  const progress = (event) => event instanceof ProgressEvent
    ? ' ' + event.lengthComputable + ' ' + event.loaded + '/' + event.total : '';
  request.open(${JSON.stringify(method)}, ${JSON.stringify(url)});
  request.responseType = ${JSON.stringify(responseType)};
  for (const type of ['readystatechange', 'loadstart', 'progress', 'load', 'error', 'abort', 'timeout', 'loadend'])
    request.addEventListener(type, (event) => {
      seen.push(type + ' ' + request.readyState + progress(event));
      if (type === 'readystatechange' && request.readyState === 2) {
        const headers = request.getAllResponseHeaders().split('\\r\\n')
          .filter((line) => line && !/^(date|connection|keep-alive):/.test(line));
        seen.push('headers ' + request.status + ' ' + request.statusText + ' ' + request.responseURL
          + ' ' + JSON.stringify(headers) + ' ' + request.getResponseHeader('Content-Type'));
      }
    });
  for (const type of ['loadstart', 'progress', 'load', 'error', 'abort', 'timeout', 'loadend'])
    request.upload.addEventListener(type, (event) => seen.push('upload ' + type + progress(event)));
  request.addEventListener('loadend', async () => {
    const value = request.response;
    const shape = value === null ? 'null' : value instanceof ArrayBuffer ? 'bytes ' + value.byteLength
      : value instanceof Blob ? 'blob ' + value.type + ' ' + (await value.text())
      : typeof value === 'string' ? 'text ' + value : 'json ' + JSON.stringify(value);
    let text;
    try { text = request.responseText; } catch (error) { text = error.name; }
    seen.push('done ' + request.status + ' ' + request.statusText + ' ' + request.responseURL + ' '
      + shape + ' / ' + text);
    resolve(seen);
  });
  seen.push('send');
  request.send(${JSON.stringify(body)});
  seen.push('sent');
})`;

describe('an injected XHR status answer goes through the states a real one does', () => {
  test('readyState 2, 3, 4 with loadstart, progress, load; status, statusText, headers, URL, each responseType', async () => {
    const tab = await openPageWithFaults(browser, app, [
      { url: '/api/text$', status: 503 },
      { url: '/api/json$', status: 503, body: '{"error":"down"}' },
    ]);
    for (const type of ['', 'text', 'json', 'arraybuffer', 'blob']) {
      for (const [method, body] of [
        ['GET', null],
        ['POST', 'a=1'],
      ] as const) {
        for (const name of ['text', 'json']) {
          const real = (await tab.evaluate(recorded(`/real/${name}`, type, method, body))) as string[];
          const faked = (await tab.evaluate(recorded(`/api/${name}`, type, method, body))) as string[];
          assert.deepEqual(
            faked,
            real.map((line) => line.replaceAll('/real/', '/api/')),
            `${method} ${name} as '${type}'`,
          );
        }
      }
    }
    await tab.close();
  });

  test('a 204 answer, which has no body, goes through the same states as a real one', async () => {
    const tab = await openPageWithFaults(browser, app, [{ url: '/api/empty$', status: 204 }]);
    for (const type of ['', 'json', 'blob']) {
      const real = (await tab.evaluate(recorded('/real/empty', type))) as string[];
      const faked = (await tab.evaluate(recorded('/api/empty', type))) as string[];
      assert.deepEqual(
        faked,
        real.map((line) => line.replaceAll('/real/', '/api/')),
        `as '${type}'`,
      );
    }
    await tab.close();
  });

  test('a delay fires loadstart at send(), once, as the browser does; the held request then goes on as a real one', async () => {
    const tab = await openPageWithFaults(browser, app, [
      { url: '/held/', delay: 20 },
      { url: '/api/', delay: 20, status: 503 },
    ]);
    for (const [method, body] of [
      ['GET', null],
      ['POST', 'a=1'],
    ] as const) {
      const real = (await tab.evaluate(recorded('/real/text', '', method, body))) as string[];
      // Chromium fires loadstart within send(), before it returns.
      assert.deepEqual(real.slice(0, 2), ['send', 'loadstart 1 false 0/0']);
      for (const path of ['/held/', '/api/']) {
        const faked = (await tab.evaluate(recorded(`${path}text`, '', method, body))) as string[];
        assert.deepEqual(
          faked,
          real.map((line) => line.replaceAll('/real/', path)),
          `${method} ${path}`,
        );
      }
    }
    await tab.close();
  });

  test('abort() at readyState 2 ends the answer as it ends a real one', async () => {
    const tab = await openPageWithFaults(browser, app, [{ url: '/api/', status: 503 }]);
    const abortedAt = (url: string, at: number) => `new Promise((resolve) => {
      const request = new XMLHttpRequest();
      const seen = [];
      request.open('GET', ${JSON.stringify(url)});
      for (const type of ['readystatechange', 'progress', 'load', 'abort', 'loadend'])
        request.addEventListener(type, () => {
          seen.push(type + ' ' + request.readyState);
          if (type === 'readystatechange' && request.readyState === ${at}) request.abort();
        });
      request.send();
      setTimeout(() => resolve(seen.concat('after ' + request.readyState + ' ' + request.status)), 200);
    })`;
    // At 3, Chromium fires a stray progress event after the abort, at readyState 0; not copied.
    for (const at of [2]) {
      const real = await tab.evaluate(abortedAt('/real/text', at));
      assert.deepEqual(await tab.evaluate(abortedAt('/api/text', at)), real, `at ${at}`);
    }
    await tab.close();
  });

  test('an error fault ends as a refused connection does: with a body, its upload fails first', async () => {
    const tab = await openPageWithFaults(browser, app, [{ url: '/api/', error: 'down' }]);
    for (const [method, body] of [
      ['GET', null],
      ['POST', 'a=1'],
    ] as const) {
      const real = (await tab.evaluate(
        recorded(`http://127.0.0.1:${deadPort}/real/text`, '', method, body),
      )) as string[];
      assert.ok(real.includes('error 4 false 0/0'), String(real));
      assert.deepEqual(await tab.evaluate(recorded('/api/text', '', method, body)), real, method);
    }
    await tab.close();
  });
});
