import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startHarness } from './helpers.js';

/**
 * Toxiproxy answers GET /proxies with Go's json.Marshal of a map, which sorts every key by its
 * bytes: "10" before "9" before "Beta". Clients that keep the text's order (Python's json,
 * Ruby's JSON, a jq pipeline) see that order; names that look like numbers must not jump ahead.
 */
const harness = await startHarness();
const names = ['zeta', '9', 'Beta', '10', '_u', 'a', '6379', 'a.b'];
const byteOrder = ['10', '6379', '9', 'Beta', '_u', 'a', 'a.b', 'zeta'];
for (const name of names) {
  const created = await harness.api('POST', '/proxies', {
    name,
    listen: '127.0.0.1:0',
    upstream: '127.0.0.1:1',
  });
  assert.equal(created.status, 201, created.text);
}

/** The top-level keys of an index answer, in the order its text has them. */
const keysInText = (text: string) => [...text.matchAll(/"([^"]+)":\{"name":/g)].map((match) => match[1]);

test('GET /proxies lists its keys in byte order, names that look like numbers included', async () => {
  const index = await harness.api('GET', '/proxies');
  assert.equal(index.status, 200);
  assert.deepEqual(keysInText(index.text), byteOrder);
  assert.deepEqual(Object.keys(index.json).sort(), [...names].sort(), 'every proxy once, under its name');
  assert.equal(index.json['9'].name, '9');
});

test('GET /proxies?explain keeps the same order', async () => {
  const index = await harness.api('GET', '/proxies?explain');
  assert.equal(index.status, 200);
  assert.deepEqual(keysInText(index.text), byteOrder);
});
