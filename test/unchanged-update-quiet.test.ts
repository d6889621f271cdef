import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import type { EngineEvent } from '../src/model/events.js';
import { openLocalCa } from '../src/system/local-ca.js';
import { createProxy, startEchoServer, startHarness, tempDirectory } from './helpers.js';

const ca = await openLocalCa(join(tempDirectory('unchanged-update'), 'ca'));
const harness = await startHarness({ issueCertificate: (hosts) => ca.issue(hosts) });
const echo = await startEchoServer();

/** The proxy and toxic change events the engine emits while `act` runs. */
async function changesDuring(act: () => Promise<void>): Promise<string[]> {
  const seen: EngineEvent[] = [];
  const stop = harness.engine.events.on((event) => seen.push(event));
  try {
    await act();
  } finally {
    stop();
  }
  return seen.flatMap((event) => {
    if (event.type.startsWith('toxic.') && 'toxic' in event && typeof event.toxic === 'object')
      return [`${event.type} ${event.toxic.name}`];
    if (event.type.startsWith('proxy.') && 'proxy' in event && typeof event.proxy === 'object')
      return [`${event.type} ${event.proxy.name}`];
    return [];
  });
}

test('an update of a proxy that changes nothing answers as Toxiproxy does and announces nothing', async () => {
  const proxy = await createProxy(harness, 'same_proxy', echo.address);
  for (const method of ['POST', 'PATCH']) {
    const changes = await changesDuring(async () => {
      // What it has, the listen address written another way, and an empty body.
      for (const body of [
        { listen: proxy.listen, upstream: echo.address, enabled: true },
        { listen: `localhost:${proxy.port}` },
        {},
      ]) {
        const reply = await harness.api(method, '/proxies/same_proxy', body);
        assert.equal(reply.status, 200, reply.text);
        assert.equal(reply.json.name, 'same_proxy');
        assert.equal(reply.json.enabled, true);
      }
    });
    assert.deepEqual(changes, [], `${method} of the same settings`);
  }
  const changes = await changesDuring(async () => {
    await harness.api('PATCH', '/proxies/same_proxy', { enabled: false });
  });
  assert.deepEqual(changes, ['proxy.updated same_proxy'], 'a real change is still announced');
});

test('an update of a proxy with the TLS it has announces nothing', async () => {
  await createProxy(harness, 'same_tls', echo.address, { tls: { auto: true } });
  const { tls } = (await harness.api('GET', '/proxies/same_tls')).json;
  const changes = await changesDuring(async () => {
    const reply = await harness.api('PATCH', '/proxies/same_tls', { tls });
    assert.equal(reply.status, 200, reply.text);
  });
  assert.deepEqual(changes, []);
});

test('an update of a toxic that changes nothing answers the toxic and announces nothing', async () => {
  await createProxy(harness, 'same_toxic', echo.address);
  const added = await harness.api('POST', '/proxies/same_toxic/toxics', {
    name: 'lag',
    type: 'latency',
    attributes: { latency: 100, jitter: 5 },
  });
  assert.equal(added.status, 200, added.text);
  for (const method of ['POST', 'PATCH']) {
    const changes = await changesDuring(async () => {
      for (const body of [
        { attributes: { latency: 100 } },
        { attributes: { latency: 100, jitter: 5 }, toxicity: 1 },
        {},
      ]) {
        const reply = await harness.api(method, '/proxies/same_toxic/toxics/lag', body);
        assert.equal(reply.status, 200, reply.text);
        assert.deepEqual(reply.json, added.json);
      }
    });
    assert.deepEqual(changes, [], `${method} of the same attributes`);
  }
  const changes = await changesDuring(async () => {
    await harness.api('PATCH', '/proxies/same_toxic/toxics/lag', { attributes: { latency: 101 } });
  });
  assert.deepEqual(changes, ['toxic.updated lag'], 'a real change is still announced');
});

test('a udp proxy and its toxic, updated to what they are, announce nothing', async () => {
  await createProxy(harness, 'same_udp', echo.address, { protocol: 'udp' });
  const added = await harness.api('POST', '/proxies/same_udp/toxics', {
    name: 'slow',
    type: 'udp_latency',
    attributes: { latency: 5 },
  });
  assert.equal(added.status, 200, added.text);
  const changes = await changesDuring(async () => {
    assert.equal((await harness.api('PATCH', '/proxies/same_udp', { enabled: true })).status, 200);
    const reply = await harness.api('PATCH', '/proxies/same_udp/toxics/slow', { attributes: { latency: 5 } });
    assert.deepEqual(reply.json, added.json);
  });
  assert.deepEqual(changes, []);
});

test('/populate of a proxy and toxics as they are announces nothing', async () => {
  const proxy = await createProxy(harness, 'same_populated', echo.address);
  const entry = {
    name: 'same_populated',
    listen: proxy.listen,
    upstream: echo.address,
    toxics: [{ name: 'cut', type: 'bandwidth', attributes: { rate: 10 } }],
  };
  assert.equal((await harness.api('POST', '/populate', [entry])).status, 201);
  const changes = await changesDuring(async () => {
    const reply = await harness.api('POST', '/populate', [entry]);
    assert.equal(reply.status, 201, reply.text);
  });
  assert.deepEqual(changes, []);
});
