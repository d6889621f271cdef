import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canConnect, startEchoServer, startHarness } from './helpers.js';

const echo = await startEchoServer();
const port = (listen: string) => Number(listen.split(':').pop());

test('populate creates proxies in order, enabled by default, and answers {"proxies":[...]}', async () => {
  const harness = await startHarness();
  const reply = await harness.api('POST', '/populate', [
    { name: 'one', listen: '127.0.0.1:0', upstream: echo.address },
    { name: 'two', listen: '127.0.0.1:0', upstream: echo.address, enabled: false },
  ]);
  assert.equal(reply.status, 201);
  assert.deepEqual(
    reply.json.proxies.map((proxy: { name: string; enabled: boolean }) => [proxy.name, proxy.enabled]),
    [
      ['one', true],
      ['two', false],
    ],
  );
  assert.equal(await canConnect(port(reply.json.proxies[0].listen)), true);
});

test('populate is idempotent: an unchanged proxy keeps its toxics and connections', async () => {
  const harness = await startHarness();
  const first = await harness.api('POST', '/populate', [
    { name: 'same', listen: '127.0.0.1:0', upstream: echo.address },
  ]);
  const listen = first.json.proxies[0].listen;
  await harness.api('POST', '/proxies/same/toxics', { type: 'latency', attributes: { latency: 5 } });
  const again = await harness.api('POST', '/populate', [
    { name: 'same', listen: listen.replace('127.0.0.1', 'localhost'), upstream: echo.address },
  ]);
  assert.equal(again.status, 201);
  assert.equal(again.json.proxies[0].listen, listen);
  assert.equal(again.json.proxies[0].toxics.length, 1);
});

test("a changed entry takes the entry's enabled; an unchanged one keeps the proxy's state, as in Toxiproxy", async () => {
  const harness = await startHarness();
  const created = await harness.api('POST', '/populate', [
    { name: 'off', listen: '127.0.0.1:0', upstream: echo.address, enabled: false },
    { name: 'on', listen: '127.0.0.1:0', upstream: echo.address },
    { name: 'kept', listen: '127.0.0.1:0', upstream: echo.address },
  ]);
  const kept = created.json.proxies[2].listen;
  await harness.api('PATCH', '/proxies/kept', { enabled: false });
  const reply = await harness.api('POST', '/populate', [
    // enabled omitted means true, so the disabled proxy whose upstream changed listens again.
    { name: 'off', listen: '127.0.0.1:0', upstream: `localhost:${port(echo.address)}` },
    { name: 'on', listen: '127.0.0.1:0', upstream: `localhost:${port(echo.address)}`, enabled: false },
    { name: 'kept', listen: kept, upstream: echo.address, enabled: true },
  ]);
  assert.equal(reply.status, 201, reply.text);
  const [off, on, same] = reply.json.proxies;
  assert.deepEqual([off.enabled, on.enabled, same.enabled], [true, false, false]);
  assert.equal(await canConnect(port(off.listen)), true);
  assert.equal(on.listen, '127.0.0.1:0', 'a disabled proxy keeps the listen it was given');
  assert.equal(await canConnect(port(kept)), false);
});

test('toxics in populate entries are applied with their proxy, and re-applying them changes nothing', async () => {
  const harness = await startHarness();
  const entry = {
    name: 'withtoxics',
    listen: '127.0.0.1:0',
    upstream: echo.address,
    toxics: [
      { type: 'latency', attributes: { latency: 50 } },
      { name: 'cut', type: 'timeout', stream: 'upstream', toxicity: 0.5 },
    ],
  };
  const reply = await harness.api('POST', '/populate', [entry]);
  assert.equal(reply.status, 201, reply.text);
  assert.deepEqual(
    reply.json.proxies[0].toxics.map((toxic: { name: string }) => toxic.name),
    ['cut', 'latency_downstream'],
  );
  const again = await harness.api('POST', '/populate', [{ ...entry, listen: reply.json.proxies[0].listen }]);
  assert.deepEqual(again.json.proxies[0].toxics, reply.json.proxies[0].toxics);
});

test('populate validates every entry before creating anything', async () => {
  const harness = await startHarness();
  const reply = await harness.api('POST', '/populate', [
    { name: 'fine', upstream: echo.address },
    { upstream: echo.address },
  ]);
  assert.equal(reply.status, 400);
  assert.equal(reply.json.error, 'missing required field: name at proxy 2');
  assert.equal(reply.headers.get('content-type'), 'application/json');
  assert.deepEqual(reply.json.proxies, []);
  assert.deepEqual((await harness.api('GET', '/proxies')).json, {});
});

test('a populate that fails part-way reports the proxies it applied', async () => {
  const harness = await startHarness();
  const taken = await harness.api('POST', '/proxies', {
    name: 'holder',
    listen: '127.0.0.1:0',
    upstream: echo.address,
  });
  const reply = await harness.api('POST', '/populate', [
    { name: 'p1', listen: '127.0.0.1:0', upstream: echo.address },
    { name: 'p2', listen: taken.json.listen, upstream: echo.address },
    { name: 'p3', listen: '127.0.0.1:0', upstream: echo.address },
  ]);
  assert.equal(reply.status, 500);
  assert.match(reply.json.error, /^listen tcp 127\.0\.0\.1:\d+: bind: address already in use$/);
  assert.deepEqual(
    reply.json.proxies.map((proxy: { name: string }) => proxy.name),
    ['p1'],
  );
  assert.equal((await harness.api('GET', '/proxies/p3')).status, 404);
});

test("a listen that is not host:port fails at its entry, and the entries before it stay (Toxiproxy's TestPopulateProxyWithBadDataShouldReturnError)", async () => {
  const harness = await startHarness();
  const reply = await harness.api('POST', '/populate', [
    { name: 'one', listen: '127.0.0.1:0', upstream: echo.address },
    { name: 'two', listen: 'local373', upstream: echo.address },
    { name: 'three', listen: '127.0.0.1:0', upstream: echo.address },
  ]);
  assert.equal(reply.status, 500);
  assert.equal(reply.json.status, 500);
  assert.equal(reply.json.error, 'listen tcp: address local373: missing port in address');
  assert.deepEqual(
    reply.json.proxies.map((proxy: { name: string }) => proxy.name),
    ['one'],
  );
  const proxies = (await harness.api('GET', '/proxies')).json;
  assert.deepEqual(Object.keys(proxies), ['one']);
  assert.equal(await canConnect(port(proxies.one.listen)), true);
});

test('populate rejects a body that is not an array', async () => {
  const harness = await startHarness();
  const reply = await harness.api('POST', '/populate', { name: 'x' });
  assert.equal(reply.status, 400);
  assert.equal(
    reply.json.error,
    'bad request body: json: cannot unmarshal object into Go value of type []struct { toxiproxy.Proxy; Enabled *bool "json:\\"enabled\\"" }',
  );
  assert.match(reply.json.hint, /must be a JSON array/);
});

test('an entry keeps the toxics it does not list: re-applying a list never removes a toxic added since', async () => {
  const harness = await startHarness();
  const entry = {
    name: 'kept',
    listen: '127.0.0.1:0',
    upstream: echo.address,
    toxics: [{ name: 'slow', type: 'latency', attributes: { latency: 50 } }],
  };
  const created = await harness.api('POST', '/populate', [entry]);
  const listen = created.json.proxies[0].listen;
  await harness.api('POST', '/proxies/kept/toxics', { name: 'extra', type: 'timeout', stream: 'upstream' });
  const names = (reply: { json: { proxies: Array<{ toxics: Array<{ name: string }> }> } }) =>
    reply.json.proxies[0]!.toxics.map((toxic) => toxic.name);

  const again = await harness.api('POST', '/populate', [{ ...entry, listen }]);
  assert.equal(again.status, 201, again.text);
  assert.deepEqual(names(again), ['extra', 'slow']);
  assert.deepEqual(
    again.json.proxies[0].toxics.find((toxic: { name: string }) => toxic.name === 'slow'),
    created.json.proxies[0].toxics[0],
  );

  const changed = await harness.api('POST', '/populate', [
    { ...entry, listen, toxics: [{ name: 'slow', type: 'latency', attributes: { latency: 80 } }] },
  ]);
  assert.deepEqual(names(changed), ['extra', 'slow']);
  assert.equal(changed.json.proxies[0].toxics[1].attributes.latency, 80);

  const retyped = await harness.api('POST', '/populate', [
    { ...entry, listen, toxics: [{ name: 'extra', type: 'latency', stream: 'upstream' }] },
  ]);
  assert.deepEqual(
    retyped.json.proxies[0].toxics.map((toxic: { name: string; type: string }) => [toxic.name, toxic.type]),
    [
      ['extra', 'latency'],
      ['slow', 'latency'],
    ],
  );

  const without = await harness.api('POST', '/populate', [{ name: 'kept', listen, upstream: echo.address }]);
  assert.deepEqual(names(without), ['extra', 'slow']);
});

test('toxics an entry would add beyond --max-toxics-per-proxy, counting those the proxy keeps, refuse the whole list and change nothing', async () => {
  const harness = await startHarness({ limits: { maxToxicsPerProxy: 3 } });
  const created = await harness.api('POST', '/proxies', {
    name: 'full',
    listen: '127.0.0.1:0',
    upstream: echo.address,
  });
  const { listen } = created.json;
  for (const name of ['a', 'b']) {
    const added = await harness.api('POST', '/proxies/full/toxics', { name, type: 'latency' });
    assert.equal(added.status, 200, added.text);
  }
  const before = (await harness.api('GET', '/proxies')).json;
  const entry = (toxics: string[]) => ({
    name: 'full',
    listen,
    upstream: `localhost:${port(echo.address)}`,
    toxics: toxics.map((name) => ({ name, type: 'latency', attributes: { latency: 70 } })),
  });

  const reply = await harness.api('POST', '/populate', [
    { name: 'fresh', listen: '127.0.0.1:0', upstream: echo.address },
    entry(['a', 'c', 'd']),
  ]);
  assert.equal(reply.status, 403, reply.text);
  assert.equal(reply.json.error, 'too many toxics');
  assert.equal(
    reply.json.hint,
    'proxy "full" would have 4 toxics, more than this server allows on one proxy (--max-toxics-per-proxy 3): the entry lists 3 and the proxy keeps 1 it does not list (/populate never removes a toxic); remove some first (DELETE /proxies/full/toxics/NAME), or list fewer. Nothing was changed',
  );
  assert.deepEqual(reply.json.proxies, []);
  assert.deepEqual(
    (await harness.api('GET', '/proxies')).json,
    before,
    'no proxy, upstream or toxic changed',
  );

  const fits = await harness.api('POST', '/populate', [entry(['a', 'c'])]);
  assert.equal(fits.status, 201, fits.text);
  assert.deepEqual(
    fits.json.proxies[0].toxics.map((toxic: { name: string }) => toxic.name),
    ['a', 'b', 'c'],
  );
});

test("a toxic its proxy's protocol cannot take refuses the whole list before anything is applied", async () => {
  const harness = await startHarness();
  const reply = await harness.api('POST', '/populate', [
    { name: 'first', listen: '127.0.0.1:0', upstream: echo.address },
    {
      name: 'plain',
      listen: '127.0.0.1:0',
      upstream: echo.address,
      toxics: [{ name: 'abort', type: 'http_abort', attributes: {} }],
    },
  ]);
  assert.equal(reply.status, 400, reply.text);
  assert.equal(reply.json.error, 'toxic type http_abort needs a proxy with protocol http or http2');
  assert.deepEqual(reply.json.proxies, []);
  assert.deepEqual((await harness.api('GET', '/proxies')).json, {});
});
