import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startHarness } from './helpers.js';

test('a proxy and toxic with names up to --max-name-length are reachable by their routes', async () => {
  // find-my-way stops matching a path parameter past 100 characters by default: a proxy named
  // with 101 to 255 characters (the default limit) was created, then every route to it was a 404.
  const { api } = await startHarness({ limits: { maxNameLength: 300 } });
  const proxy = 'p:'.repeat(150);
  const toxic = 't'.repeat(300);
  const created = await api('POST', '/proxies', {
    name: proxy,
    listen: '127.0.0.1:0',
    upstream: '127.0.0.1:9',
  });
  assert.equal(created.status, 201, created.text);
  assert.equal((await api('GET', `/proxies/${proxy}`)).status, 200);
  const added = await api('POST', `/proxies/${proxy}/toxics`, { name: toxic, type: 'latency' });
  assert.equal(added.status, 200, added.text);
  assert.equal((await api('GET', `/proxies/${proxy}/toxics/${toxic}`)).json.name, toxic);
  // Percent-encoded, as clients send a ':', the name is three times as long and still found.
  const encoded = encodeURIComponent(proxy);
  assert.equal((await api('DELETE', `/proxies/${encoded}/toxics/${toxic}`)).status, 204);
  assert.equal((await api('DELETE', `/proxies/${encoded}`)).status, 204);
});
