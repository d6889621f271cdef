import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startHarness } from './helpers.js';

/**
 * /metrics as a Prometheus target: Toxiproxy 2.12 registers it with no method or query rule, and
 * Prometheus's handler ignores the query, so a scrape config's `params:` must not take it down.
 */
const harness = await startHarness();

test('GET /metrics with a query (a scrape config with params:) answers the metrics, the query ignored', async () => {
  const plain = await harness.api('GET', '/metrics');
  assert.equal(plain.status, 200, plain.text);
  for (const path of ['/metrics?x=1', '/metrics?name[]=toxiproxy_proxy_received_bytes_total&module=a']) {
    const reply = await harness.api('GET', path);
    assert.equal(reply.status, 200, `${path}: ${reply.text}`);
    assert.equal(reply.headers.get('content-type'), plain.headers.get('content-type'), path);
    assert.match(reply.text, /^# HELP /m, path);
  }
});

test('HEAD /metrics answers 200 with the headers of a GET and no body', async () => {
  const reply = await harness.api('HEAD', '/metrics?x=1');
  assert.equal(reply.status, 200);
  assert.match(reply.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  assert.ok(Number(reply.headers.get('content-length')) > 0, 'the length of the body a GET would get');
  assert.equal(reply.text, '');
});

test('the other routes keep their strictness: an unknown query is a 400, HEAD a 405', async () => {
  const query = await harness.api('GET', '/version?x=1');
  assert.deepEqual([query.status, query.json?.error], [400, 'unknown query parameter "x"']);
  const head = await harness.api('HEAD', '/version');
  assert.deepEqual([head.status, head.headers.get('allow')], [405, 'GET']);
  const post = await harness.api('POST', '/metrics');
  assert.deepEqual([post.status, post.headers.get('allow')?.split(', ').sort()], [405, ['GET', 'HEAD']]);
});
