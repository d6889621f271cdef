import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createProxy, startHarness } from './helpers.js';

// A misspelt proxy or toxic name got "there is no proxy named ..." and nothing more, where a
// misspelt type, field or attribute names the one meant.

const harness = await startHarness();
await createProxy(harness, 'redis_cache', '127.0.0.1:1');
const added = await harness.api('POST', '/proxies/redis_cache/toxics', {
  type: 'latency',
  name: 'slow_reads',
});
assert.equal(added.status, 200, added.text);

test('a proxy name one typo away from one the server has is named in the hint', async () => {
  const reply = await harness.api('GET', '/proxies/redis_cahce');
  assert.equal(reply.status, 404);
  assert.equal(reply.json.error, 'proxy not found');
  assert.equal(
    reply.json.hint,
    'there is no proxy named "redis_cahce"; did you mean "redis_cache"? GET /proxies lists them',
  );
  const far = await harness.api('DELETE', '/proxies/postgres');
  assert.equal(far.json.hint, 'there is no proxy named "postgres"; GET /proxies lists them');
});

test('a toxic name one typo away from one the proxy has is named in the hint', async () => {
  const reply = await harness.api('DELETE', '/proxies/redis_cache/toxics/slow_read');
  assert.equal(reply.status, 404);
  assert.equal(reply.json.error, 'toxic not found');
  assert.equal(
    reply.json.hint,
    'proxy "redis_cache" has no toxic "slow_read"; did you mean "slow_reads"? GET /proxies/redis_cache/toxics lists them',
  );
  const far = await harness.api('GET', '/proxies/redis_cache/toxics/latency_downstream');
  assert.equal(
    far.json.hint,
    'proxy "redis_cache" has no toxic "latency_downstream"; GET /proxies/redis_cache/toxics lists them',
  );
});
