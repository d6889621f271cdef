import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createProxy, startEchoServer, startHarness } from './helpers.js';

/** One rule for the control API: a query parameter a route does not take is a 400 that names it. */
const harness = await startHarness();
const echo = await startEchoServer();
await createProxy(harness, 'held', echo.address);

test('a misspelt or unknown query parameter is refused, naming it and what the route takes', async () => {
  const cases: Array<[string, string, string, string]> = [
    ['GET', '/proxies?explian', 'unknown query parameter "explian"', 'GET /proxies takes explain'],
    [
      'GET',
      '/proxies/held?explian',
      'unknown query parameter "explian"',
      'GET /proxies/:proxy takes explain',
    ],
    [
      'DELETE',
      '/proxies/held?explain',
      'unknown query parameter "explain"',
      'DELETE /proxies/:proxy takes no query parameters',
    ],
    ['POST', '/reset?all=1', 'unknown query parameter "all"', 'POST /reset takes no query parameters'],
    ['GET', '/events?type=toxic', 'unknown query parameter "type"', 'GET /events takes types, proxy, since'],
  ];
  for (const [method, path, error, hint] of cases) {
    const reply = await harness.api(method, path);
    assert.deepEqual(
      [reply.status, reply.json?.error, reply.json?.hint, reply.json?.code],
      [400, error, hint, 'FAULTLINE_ERR_INVALID_FIELD'],
      `${method} ${path}`,
    );
  }
  assert.equal((await harness.api('GET', '/proxies/held')).status, 200, 'nothing was changed or lost');
});

test('the parameters a route takes still work, and requests without a query (as Toxiproxy clients send) too', async () => {
  const explained = await harness.api('GET', '/proxies?explain');
  assert.equal(explained.status, 200);
  assert.equal(typeof explained.json.held, 'object');
  assert.equal((await harness.api('GET', '/proxies')).status, 200);
  assert.equal((await harness.api('GET', '/version')).status, 200);
});

test('?explain works on one proxy and on its toxics as on GET /proxies; without it the bodies are unchanged', async () => {
  const added = await harness.api('POST', '/proxies/held/toxics', {
    name: 'slow',
    type: 'latency',
    attributes: { latency: 100 },
  });
  assert.equal(added.status, 200, added.text);
  const sentence = (await harness.api('GET', '/proxies?explain')).json.held.toxics[0].explanation;
  assert.match(sentence, /^slow: on every connection, delays data by 100 ms/);
  const strip = ({ explanation, ...toxic }: { explanation: string }) => {
    assert.equal(explanation, sentence);
    return toxic;
  };
  for (const [path, explainedOf] of [
    [
      '/proxies/held',
      (json: { toxics: Array<{ explanation: string }> }) => ({ ...json, toxics: json.toxics.map(strip) }),
    ],
    ['/proxies/held/toxics', (json: Array<{ explanation: string }>) => json.map(strip)],
    ['/proxies/held/toxics/slow', strip],
  ] as const) {
    const explained = await harness.api('GET', `${path}?explain`);
    assert.equal(explained.status, 200, `${path}?explain: ${explained.text}`);
    const plain = await harness.api('GET', path);
    assert.equal(plain.status, 200);
    assert.doesNotMatch(plain.text, /explanation/, `${path} stays as Toxiproxy answers it`);
    assert.deepEqual((explainedOf as (json: never) => unknown)(explained.json as never), plain.json, path);
  }
  assert.equal((await harness.api('DELETE', '/proxies/held/toxics/slow')).status, 204);
});

test('explain=false and explain=0 leave explanations out, as written; another value is refused', async () => {
  const added = await harness.api('POST', '/proxies/held/toxics', { name: 'said', type: 'latency' });
  assert.equal(added.status, 200, added.text);
  for (const query of ['explain=false', 'explain=0']) {
    const reply = await harness.api('GET', `/proxies/held/toxics/said?${query}`);
    assert.equal(reply.status, 200, reply.text);
    assert.doesNotMatch(reply.text, /explanation/, query);
  }
  for (const query of ['explain=true', 'explain=1', 'explain=']) {
    const reply = await harness.api('GET', `/proxies/held/toxics?${query}`);
    assert.match(reply.text, /"explanation"/, query);
  }
  for (const query of ['explain=no', 'explain=1&explain=0']) {
    const reply = await harness.api('GET', `/proxies?${query}`);
    assert.deepEqual(
      [reply.status, reply.json?.error, reply.json?.code],
      [400, 'invalid explain', 'FAULTLINE_ERR_INVALID_FIELD'],
      query,
    );
    assert.match(reply.json.hint, /explain=false or explain=0 leaves it out/);
  }
  assert.equal((await harness.api('DELETE', '/proxies/held/toxics/said')).status, 204);
});
