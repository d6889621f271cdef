import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { UdpProxy } from '../src/proxy/udp/udp-proxy.js';
import { type Harness, startHarness, waitFor } from './helpers.js';
import { createUdpProxy, lossBursts, SIZE, sendThrough, startUdpEcho, udpClient } from './udp-helpers.js';

async function lossRun(seed: number, attributes: object, count = 10_000) {
  const harness = await startHarness({ seed });
  const sink = await startUdpEcho(false);
  await createUdpProxy(harness, 'lossy', sink.address);
  const added = await harness.api('POST', '/proxies/lossy/toxics', {
    type: 'loss',
    stream: 'upstream',
    attributes,
  });
  assert.equal(added.status, 200, added.text);
  const received = await sendThrough(harness, 'lossy', count, sink);
  const dropped = (harness.engine.get('lossy') as UdpProxy).stats().datagramsDropped;
  await harness.close();
  return { received, dropped };
}

const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;

describe('loss', () => {
  test('10% loss over 10,000 datagrams drops 10 ± 1%, and each drop is counted', async () => {
    const { received, dropped } = await lossRun(101, { probability: 100_000 });
    const lost = 10_000 - received.length;
    assert.ok(lost >= 900 && lost <= 1100, `${lost} of 10,000 lost`);
    assert.equal(dropped, lost);
  });

  test('with correlation, losses come in longer bursts at the same average rate', async () => {
    const plain = await lossRun(202, { probability: 100_000 });
    const bursty = await lossRun(202, { probability: 100_000, correlation: 500_000 });
    const plainBursts = mean(lossBursts(plain.received, 10_000));
    const burstyBursts = mean(lossBursts(bursty.received, 10_000));
    // Expected means: 1 / (1 - 0.1) ≈ 1.11 without correlation, 1 / (1 - 0.55) ≈ 2.22 with 50%.
    assert.ok(plainBursts < 1.3, `mean burst without correlation ${plainBursts}`);
    assert.ok(burstyBursts > 1.8, `mean burst with correlation ${burstyBursts}`);
    const lost = 10_000 - bursty.received.length;
    assert.ok(lost >= 800 && lost <= 1200, `${lost} of 10,000 lost with correlation`);
  });

  test('the Gilbert-Elliott model drops in bursts of the bad state', async () => {
    // p = 2%, r = 25%, loss 100% when bad: the bad state lasts 4 datagrams on average, and
    // holds 2 / (2 + 25) ≈ 7.4% of the time.
    const { received } = await lossRun(303, { to_bad: 20_000, to_good: 250_000 });
    const lost = 10_000 - received.length;
    assert.ok(lost >= 500 && lost <= 1000, `${lost} of 10,000 lost`);
    assert.ok(mean(lossBursts(received, 10_000)) > 3, 'bursts of about 4');
  });
});

describe('the same seed and the same traffic give the same result', () => {
  const churn = async (seed: number) => {
    const harness = await startHarness({ seed });
    const sink = await startUdpEcho(false);
    await createUdpProxy(harness, 'churn', sink.address);
    const toxics = [
      { name: 'lose', type: 'loss', attributes: { probability: 100_000, correlation: 300_000 } },
      { name: 'twice', type: 'duplicate', attributes: { probability: 50_000 } },
      // 5% wait a minute, so their order is the toxic's doing, not the timers'.
      { name: 'swap', type: 'reorder', attributes: { probability: 950_000, latency: 60_000 } },
      { name: 'flip', type: 'corrupt', attributes: { probability: 10_000 } },
    ];
    for (const toxic of toxics) {
      const added = await harness.api('POST', '/proxies/churn/toxics', { ...toxic, stream: 'upstream' });
      assert.equal(added.status, 200, added.text);
    }
    await sendThrough(harness, 'churn', 2000, sink);
    // Removing the reorder toxic sends on the datagrams it holds, at once.
    await harness.api('DELETE', '/proxies/churn/toxics/swap');
    const proxy = harness.engine.get('churn') as UdpProxy;
    await waitFor(
      () => sink.received.length * SIZE === proxy.stats().bytes.upstream.sent,
      'the held datagrams',
    );
    const seen = sink.received.map((data) => data.toString('hex'));
    await harness.close();
    return seen;
  };

  test('drops, duplicates, reorders and bit flips repeat exactly', async () => {
    const first = await churn(7);
    const sequences = first.map((hex) => Buffer.from(hex, 'hex').readUInt32BE(0));
    assert.ok(new Set(sequences).size < 2000, 'some datagrams were lost');
    assert.ok(sequences.length > new Set(sequences).size, 'some were duplicated');
    assert.ok(
      sequences.some((sequence, i) => i > 0 && sequence < sequences[i - 1]!),
      'some were reordered',
    );
    assert.deepEqual(await churn(7), first);
    assert.notDeepEqual(await churn(8), first);
  });
});

describe('udp_bandwidth', () => {
  test('datagrams over the rate wait in the queue; beyond it they are dropped and counted', async () => {
    const harness = await startHarness();
    const sink = await startUdpEcho(false);
    const proxy = await createUdpProxy(harness, 'narrow', sink.address);
    const added = await harness.api('POST', '/proxies/narrow/toxics', {
      type: 'udp_bandwidth',
      stream: 'upstream',
      attributes: { rate: 1, queue: 5 },
    });
    assert.equal(added.status, 200, added.text);
    const client = await udpClient();
    // 1 KB/s: the first 1000-byte datagram takes a second, so the other 49 arrive while it waits.
    for (let i = 0; i < 50; i++) client.send(Buffer.alloc(1000, i), proxy.port);
    const udp = harness.engine.get('narrow') as UdpProxy;
    await waitFor(
      () => udp.stats().bytes.upstream.received === 50_000,
      'all 50 datagrams to reach the proxy',
    );
    assert.equal(udp.stats().datagramsDropped, 44, 'one in flight and 5 queued; 44 dropped');
    const metrics = await harness.api('GET', '/metrics');
    assert.match(
      metrics.text,
      /faultline_datagrams_dropped_total\{proxy="narrow",toxic="udp_bandwidth_upstream"\} 44\n/,
    );
    await harness.api('DELETE', '/proxies/narrow/toxics/udp_bandwidth_upstream');
    await waitFor(
      () => sink.received.length === 6,
      'the queued datagrams, sent on when the toxic is removed',
    );
    assert.deepEqual(
      sink.received.map((data) => data[0]),
      [0, 1, 2, 3, 4, 5],
    );
  });
});

/**
 * Sends COUNT datagrams of 1000 bytes (each starting with its index) through a proxy whose one
 * upstream toxic holds them, and waits until all reached the proxy.
 */
async function holdThrough(harness: Harness, toxic: object, count: number) {
  const sink = await startUdpEcho(false);
  const proxy = await createUdpProxy(harness, 'holding', sink.address);
  const added = await harness.api('POST', '/proxies/holding/toxics', { ...toxic, stream: 'upstream' });
  assert.equal(added.status, 200, added.text);
  const client = await udpClient();
  for (let i = 0; i < count; i++) client.send(Buffer.alloc(1000, i), proxy.port);
  const udp = harness.engine.get('holding') as UdpProxy;
  await waitFor(
    () => udp.stats().bytes.upstream.received === count * 1000,
    `all ${count} datagrams to reach the proxy`,
  );
  return { sink, udp };
}

describe('datagrams held by udp_latency and reorder are bounded', () => {
  test('udp_latency holds at most `limit` datagrams; the rest are dropped and counted', async () => {
    const harness = await startHarness();
    const { sink, udp } = await holdThrough(
      harness,
      { type: 'udp_latency', name: 'far', attributes: { latency: 600_000, limit: 5 } },
      50,
    );
    assert.equal(udp.stats().datagramsDropped, 45);
    assert.equal(harness.engine.heldBytes, 5000, 'the held datagrams count against --max-held-bytes');
    const metrics = await harness.api('GET', '/metrics');
    assert.match(metrics.text, /faultline_datagrams_dropped_total\{proxy="holding",toxic="far"\} 45\n/);
    await harness.api('DELETE', '/proxies/holding/toxics/far');
    await waitFor(() => sink.received.length === 5, 'the held datagrams, sent on when the toxic is removed');
    assert.deepEqual(
      sink.received.map((data) => data[0]),
      [0, 1, 2, 3, 4],
    );
    assert.equal(harness.engine.heldBytes, 0);
  });

  test('datagrams held when their flow closes are counted as drops of the toxic that held them', async () => {
    const harness = await startHarness();
    const { sink, udp } = await holdThrough(
      harness,
      { type: 'udp_latency', name: 'far', attributes: { latency: 600_000 } },
      7,
    );
    assert.equal(udp.stats().datagramsDropped, 0);
    const disabled = await harness.api('POST', '/proxies/holding', { enabled: false });
    assert.equal(disabled.status, 200, disabled.text);
    assert.equal(udp.stats().datagramsDropped, 7);
    const metrics = await harness.api('GET', '/metrics');
    assert.match(metrics.text, /faultline_datagrams_dropped_total\{proxy="holding",toxic="far"\} 7\n/);
    assert.equal(sink.received.length, 0, 'none was sent after its flow closed');
    assert.equal(harness.engine.heldBytes, 0);
  });

  test("udp_latency's limit is 1000 datagrams unless set, as netem's", async () => {
    const harness = await startHarness();
    const { udp } = await holdThrough(
      harness,
      { type: 'udp_latency', name: 'far', attributes: { latency: 600_000 } },
      1010,
    );
    assert.equal(udp.stats().datagramsDropped, 10);
    const toxic = await harness.api('GET', '/proxies/holding/toxics/far');
    assert.equal((toxic.json as { attributes: { limit: number } }).attributes.limit, 1000);
  });

  test('reorder holds at most `limit` datagrams waiting their latency', async () => {
    const harness = await startHarness({ seed: 1 });
    const { udp } = await holdThrough(
      harness,
      { type: 'reorder', name: 'shuffle', attributes: { latency: 600_000, probability: 1, limit: 3 } },
      20,
    );
    assert.equal(udp.stats().datagramsDropped, 17);
    assert.equal(harness.engine.heldBytes, 3000);
  });

  for (const toxic of [
    { type: 'udp_latency', name: 'far', attributes: { latency: 600_000, limit: 1_000_000 } },
    { type: 'reorder', name: 'shuffle', attributes: { latency: 600_000, probability: 1, limit: 1_000_000 } },
    { type: 'udp_bandwidth', name: 'narrow', attributes: { rate: 1, queue: 1_000_000 } },
  ]) {
    test(`${toxic.type} holds no more than the server-wide --max-held-bytes`, async () => {
      const harness = await startHarness({ limits: { maxHeldBytes: 64 * 1024 }, seed: 1 });
      const { udp } = await holdThrough(harness, toxic, 100);
      // Held while the budget is not over 65,536 bytes: 66 datagrams of 1000 bytes.
      assert.equal(harness.engine.heldBytes, 66_000);
      assert.equal(udp.stats().datagramsDropped, 34);
    });
  }
});

describe('udp_latency', () => {
  test('delays each datagram by at least the latency', async () => {
    const harness = await startHarness();
    const echo = await startUdpEcho();
    const proxy = await createUdpProxy(harness, 'far', echo.address);
    await harness.api('POST', '/proxies/far/toxics', { type: 'udp_latency', attributes: { latency: 200 } });
    const client = await udpClient();
    const started = performance.now();
    client.send('ping', proxy.port);
    await waitFor(() => client.received.length === 1, 'the delayed echo');
    assert.ok(performance.now() - started >= 200, 'the reply came back after at least 200 ms');
  });
});
