/**
 * An HTTP/2 client may send any token as its `:method`, and each metric label value is a series
 * the server keeps for its life: the method label of faultline_http_faults_total keeps the
 * standard methods and counts every other one as `other`, so a client cannot grow the server's
 * memory with methods, and no request a fault acted on goes uncounted.
 */
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { after, test } from 'node:test';
import { methodLabel } from '../src/proxy/http/method-label.js';
import { createProxy, startHarness } from './helpers.js';
import { h2Exchange } from './http-helpers.js';

test('the method label keeps the standard methods and folds the rest into "other"', () => {
  for (const method of ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH'])
    assert.equal(methodLabel(method), method);
  for (const method of ['get', 'PROPFIND', 'X1', '']) assert.equal(methodLabel(method), 'other');
});

test('1,200 made-up methods through an http2 proxy count as one "other" row, every request counted', async () => {
  const harness = await startHarness();
  after(() => harness.close());
  // No upstream is needed: the abort answers every request itself.
  const proxy = await createProxy(harness, 'h2', '127.0.0.1:9', { protocol: 'http2' });
  const added = await harness.api('POST', '/proxies/h2/toxics', {
    name: 'down',
    type: 'http_abort',
    attributes: { status: 503 },
  });
  assert.equal(added.status, 200, added.text);
  const session = http2.connect(`http://127.0.0.1:${proxy.port}`);
  after(() => session.close());
  const methods = Array.from({ length: 1200 }, (_, index) => `M${index}`);
  for (let start = 0; start < methods.length; start += 100) {
    const answers = await Promise.all(
      methods
        .slice(start, start + 100)
        .map((method) => h2Exchange(session, { ':method': method, ':path': '/' })),
    );
    assert.ok(
      answers.every((answer) => answer.startsWith('503 ')),
      answers.find((answer) => !answer.startsWith('503 ')),
    );
  }
  await h2Exchange(session, { ':method': 'GET', ':path': '/' });
  const metrics = (await (await fetch(`${harness.url}/metrics`)).text())
    .split('\n')
    .filter((line) => line.startsWith('faultline_http_faults_total{'));
  assert.deepEqual(metrics.sort(), [
    'faultline_http_faults_total{proxy="h2",toxic="down",type="http_abort",method="GET",outcome="503"} 1',
    'faultline_http_faults_total{proxy="h2",toxic="down",type="http_abort",method="other",outcome="503"} 1200',
  ]);
});
