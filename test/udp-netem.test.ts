/**
 * The datagram toxics against netem (Linux sch_netem with iproute2's tc-netem). This machine's
 * kernel has no netem (CONFIG_NET_SCH_NETEM is not set), so each test compares real datagrams
 * through a real udp proxy with what netem's own algorithm gives for the same settings: an exact
 * pattern where the settings make netem deterministic, a formula where they do not, and
 * iproute2's distribution tables where it ships them.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import type { RandomSource } from '../src/model/random.js';
import { createCorrelatedChance, createCorrelatedUniform } from '../src/proxy/udp/correlated.js';
import { jitterShapes } from '../src/proxy/udp/distributions.js';
import { timedBytes } from '../src/proxy/udp/toxics/bandwidth.js';
import type { UdpProxy } from '../src/proxy/udp/udp-proxy.js';
import { type Harness, startHarness, waitFor } from './helpers.js';
import {
  createUdpProxy,
  lossBursts,
  numbered,
  SIZE,
  sendThrough,
  startUdpEcho,
  udpClient,
} from './udp-helpers.js';

/** Sends `count` numbered datagrams upstream through a proxy with one toxic; what the server got. */
async function through(type: string, attributes: object, count: number, seed = 17) {
  const harness = await startHarness({ seed });
  const sink = await startUdpEcho(false);
  await createUdpProxy(harness, 'netem', sink.address);
  const added = await harness.api('POST', '/proxies/netem/toxics', { type, stream: 'upstream', attributes });
  assert.equal(added.status, 200, added.text);
  const received = await sendThrough(harness, 'netem', count, sink);
  await harness.close();
  return { received, datagrams: sink.received };
}

const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
const evens = (count: number) => Array.from({ length: count / 2 }, (_, i) => 2 * i);
const odds = (count: number) => Array.from({ length: count / 2 }, (_, i) => 2 * i + 1);

describe('loss gemodel p r 1-h 1-k (Gilbert-Elliott)', () => {
  test('a datagram meets the state it finds, and the state moves on for the next one, as netem', async () => {
    // p = r = 100%: the states alternate good, bad, good... from good. netem drops the 2nd, 4th, ...
    const { received } = await through('loss', { to_bad: 1_000_000, to_good: 1_000_000 }, 200);
    assert.deepEqual(received, evens(200));
  });

  test('p alone takes r = 1 - p and 1-h = 100%: 10% loss in bursts of 1 / r', async () => {
    // netem `loss gemodel 10%`: the bad state holds p / (p + r) = 10% of the time, and lasts 1 / 0.9.
    const { received } = await through('loss', { to_bad: 100_000 }, 10_000);
    const lost = 10_000 - received.length;
    assert.ok(lost >= 880 && lost <= 1120, `${lost} of 10,000 lost`);
    const burst = mean(lossBursts(received, 10_000));
    assert.ok(burst >= 1.03 && burst <= 1.2, `mean burst ${burst}`);
  });

  test('each state drops with its own chance: 0.8 · 1-k + 0.2 · 1-h', async () => {
    // p 5%, r 20%: good 80% of the time dropping 2%, bad 20% dropping 60%: 13.6%.
    const attributes = { to_bad: 50_000, to_good: 200_000, bad_loss: 600_000, good_loss: 20_000 };
    const { received } = await through('loss', attributes, 10_000);
    const lost = 10_000 - received.length;
    assert.ok(lost >= 1160 && lost <= 1560, `${lost} of 10,000 lost`);
  });
});

describe('loss state p13 p31 p32 p23 p14 (4 states)', () => {
  test('a datagram is lost when it moves into state 3 or 4, from state 1 at first, as netem', async () => {
    // p13 = p31 = 100%: 1 → 3 (lost) → 1 (received) → 3 ...
    const { received } = await through('loss', { p13: 1_000_000, p31: 1_000_000 }, 200);
    assert.deepEqual(received, odds(200));
    // p14 = 100%: 1 → 4 (lost alone) → 1 (received) → 4 ...
    const alone = await through('loss', { p13: 1, p31: 1_000_000, p14: 999_999 }, 200);
    assert.deepEqual(alone.received, odds(200));
  });

  test('bursts and lone losses: the rate and burst length of the stationary chain', async () => {
    // From 1: to 3 with 5%, to 4 with 2%; from 3 back with 50%; from 4 back always.
    // π3 = 0.1 π1, π4 = 0.02 π1: loss (0.12 / 1.12) = 10.7%; bursts (2 · 0.05 + 1 · 0.02) / 0.07 = 1.71.
    const { received } = await through('loss', { p13: 50_000, p31: 500_000, p14: 20_000 }, 10_000);
    const lost = 10_000 - received.length;
    assert.ok(lost >= 880 && lost <= 1260, `${lost} of 10,000 lost`);
    const burst = mean(lossBursts(received, 10_000));
    assert.ok(burst >= 1.5 && burst <= 1.95, `mean burst ${burst}`);
  });

  test('p13 alone is the Bernoulli model: p31 = 1 - p13, bursts as of independent losses', async () => {
    const { received } = await through('loss', { p13: 100_000 }, 10_000);
    const lost = 10_000 - received.length;
    assert.ok(lost >= 880 && lost <= 1120, `${lost} of 10,000 lost`);
    const burst = mean(lossBursts(received, 10_000));
    assert.ok(burst >= 1.03 && burst <= 1.2, `mean burst ${burst} (independent: 1 / 0.9 = 1.11)`);
  });
});

describe('duplicate P CORR', () => {
  /** Runs of consecutive sequence numbers that arrived twice, as lengths. */
  const duplicateRuns = (received: number[]) => {
    const seen = new Set<number>();
    const twice = new Set<number>();
    for (const sequence of received) (seen.has(sequence) ? twice : seen).add(sequence);
    return {
      twice: twice.size,
      runs: lossBursts(
        [...seen].filter((sequence) => !twice.has(sequence)),
        5000,
      ),
    };
  };

  test('20% of datagrams twice; with correlation in longer runs, at the same rate', async () => {
    const plain = duplicateRuns((await through('duplicate', { probability: 200_000 }, 5000)).received);
    const bursty = duplicateRuns(
      (await through('duplicate', { probability: 200_000, correlation: 500_000 }, 5000)).received,
    );
    assert.ok(plain.twice >= 880 && plain.twice <= 1120, `${plain.twice} of 5,000 twice`);
    assert.ok(bursty.twice >= 800 && bursty.twice <= 1200, `${bursty.twice} of 5,000 twice, correlated`);
    // Runs average 1 / (1 - p) = 1.25 without, 1 / (1 - 0.2 - 0.5 · 0.8) = 2.5 with correlation.
    assert.ok(mean(plain.runs) <= 1.4, `runs ${mean(plain.runs)}`);
    assert.ok(mean(bursty.runs) >= 2, `runs ${mean(bursty.runs)} with correlation`);
  });
});

describe('corrupt P', () => {
  test('a picked datagram has exactly one bit flipped; 10% are picked, whatever their length', async () => {
    const { datagrams } = await through('corrupt', { probability: 100_000 }, 3000);
    assert.equal(datagrams.length, 3000);
    // Bytes 4 to 15 of each numbered datagram are zeros.
    const flips = datagrams.map((data) => {
      let bits = 0;
      for (let i = 4; i < SIZE; i++) bits += popcount(data[i] ?? 0);
      return bits;
    });
    // A flip in the sequence number itself cannot be told from another sequence; the other
    // 12 of 16 bytes must show one flipped bit or none.
    assert.deepEqual([...new Set(flips)].sort(), [0, 1], 'no datagram has more than one bit flipped');
    const corrupted = flips.filter((bits) => bits === 1).length;
    // 10% picked, three quarters of those in the bytes checked: 225 expected.
    assert.ok(corrupted >= 165 && corrupted <= 285, `${corrupted} of 3000 with a flip in bytes 4-15`);
  });
});

const popcount = (byte: number) => {
  let bits = 0;
  for (let value = byte; value > 0; value >>= 1) bits += value & 1;
  return bits;
};

/** Sends `count` numbered datagrams in one go; each one's arrival at the server in ms after sending. */
async function timedThrough(harness: Harness, attributes: object, type: string, count: number) {
  const sink = await startUdpEcho(false);
  // Delayed datagrams come out in bursts; the default ~200 KB buffer holds only a few hundred.
  sink.socket.setRecvBufferSize(4 * 1024 * 1024);
  const proxy = await createUdpProxy(harness, 'timed', sink.address);
  const added = await harness.api('POST', '/proxies/timed/toxics', { type, stream: 'upstream', attributes });
  assert.equal(added.status, 200, added.text);
  const arrivals = new Map<number, number>();
  sink.socket.on('message', (data) => arrivals.set(data.readUInt32BE(0), performance.now()));
  const client = await udpClient();
  const udp = harness.engine.get('timed') as UdpProxy;
  const sentAt: number[] = [];
  // In batches of 100 that the proxy has read before the next, so no socket buffer overflows.
  for (let sequence = 0; sequence < count; sequence++) {
    sentAt.push(performance.now());
    client.send(numbered(sequence), proxy.port);
    if ((sequence + 1) % 100 === 0 || sequence + 1 === count) {
      const read = (sequence + 1) * SIZE;
      await waitFor(() => udp.stats().bytes.upstream.received === read, `the proxy to read ${sequence + 1}`);
    }
  }
  await waitFor(() => sink.received.length === count, `all ${count} datagrams`, 10_000);
  return {
    order: sink.received.map((data) => data.readUInt32BE(0)),
    delays: sentAt.map((sent, sequence) => arrivals.get(sequence)! - sent),
  };
}

describe('delay TIME reorder P CORR gap G', () => {
  test('reorder 100% gap 5: every 5th datagram goes at once, the others wait the latency', async () => {
    // netem's man page: "the first 4 (gap - 1) packets are delayed by 10ms and subsequent packets
    // are sent immediately with a probability of 0.25 ... a reorder probability of 100% can be used".
    const harness = await startHarness({ seed: 5 });
    const { order } = await timedThrough(
      harness,
      { probability: 1_000_000, gap: 5, latency: 500 },
      'reorder',
      20,
    );
    await harness.close();
    assert.deepEqual(order, [4, 9, 14, 19, 0, 1, 2, 3, 5, 6, 7, 8, 10, 11, 12, 13, 15, 16, 17, 18]);
  });

  test('gap 5 at 25%: one datagram in 4 + 1 / 0.25 = 8 goes at once', async () => {
    const harness = await startHarness({ seed: 6 });
    const { delays } = await timedThrough(
      harness,
      // All 2000 wait within the latency: above netem's default limit of 1000 held.
      { probability: 250_000, gap: 5, latency: 1000, limit: 2000 },
      'reorder',
      2000,
    );
    await harness.close();
    const early = delays.filter((delay) => delay < 500).length;
    assert.ok(early >= 190 && early <= 310, `${early} of 2000 at once (250 expected)`);
    assert.ok(
      delays.every((delay) => delay < 500 || delay >= 1000),
      'the others waited the whole latency',
    );
  });

  test('without latency, or with a gap but no probability, it is refused naming the field', async () => {
    const harness = await startHarness();
    const sink = await startUdpEcho(false);
    await createUdpProxy(harness, 'strict', sink.address);
    const noDelay = await harness.api('POST', '/proxies/strict/toxics', {
      type: 'reorder',
      attributes: { probability: 250_000, gap: 5 },
    });
    assert.equal(noDelay.status, 400);
    assert.match(noDelay.text, /reordering needs latency above 0/);
    const noChance = await harness.api('POST', '/proxies/strict/toxics', {
      type: 'reorder',
      attributes: { gap: 5, latency: 10 },
    });
    assert.equal(noChance.status, 400);
    assert.match(noChance.text, /gap needs a probability above 0/);
    await harness.close();
  });
});

/** iproute2's table for a distribution, as multiples of the jitter, sorted. */
function iproute2Table(name: string): number[] {
  const directories = [
    '/usr/lib/x86_64-linux-gnu/tc',
    '/usr/lib/aarch64-linux-gnu/tc',
    '/usr/lib/tc',
    '/usr/lib64/tc',
  ];
  const directory = directories.find((candidate) => existsSync(`${candidate}/${name}.dist`));
  if (!directory) throw new Error(`${name}.dist is missing: install the Debian package "iproute2"`);
  return readFileSync(`${directory}/${name}.dist`, 'utf8')
    .split('\n')
    .filter((line) => !line.startsWith('#'))
    .join(' ')
    .trim()
    .split(/\s+/)
    .map((value) => Number(value) / 8192)
    .sort((a, b) => a - b);
}

describe('delay TIME JITTER distribution', () => {
  for (const name of ['normal', 'pareto', 'paretonormal'] as const) {
    test(`${name}: the same quantiles as iproute2's ${name}.dist`, () => {
      const table = iproute2Table(name);
      for (const q of [0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99]) {
        const netem = table[Math.floor(q * table.length)]!;
        const ours = jitterShapes[name](q);
        assert.ok(Math.abs(netem - ours) < 0.01, `${name} at ${q}: netem ${netem}, faultline ${ours}`);
      }
    });
  }

  test('pareto jitter through a proxy: never below latency - 2/3 jitter, a long tail above', async () => {
    // latency 500, jitter 150: netem's pareto table runs from -0.667 (400 ms) with 1% at +4
    // (1100 ms). Uniform jitter would go down to 350 ms and up to 650, normal down to about 50.
    // Timers fire late on a loaded machine, never early: only lower bounds are checked.
    const harness = await startHarness({ seed: 9 });
    const attributes = { latency: 500, jitter: 150, distribution: 'pareto' };
    const { delays } = await timedThrough(harness, attributes, 'udp_latency', 400);
    await harness.close();
    const sorted = [...delays].sort((a, b) => a - b);
    assert.ok(sorted[0]! >= 399, `shortest delay ${sorted[0]} ms`);
    assert.ok(sorted[396]! >= 800, `99th percentile ${sorted[396]} ms (1100 expected)`);
  });
});

describe('rate RATE PACKETOVERHEAD CELLSIZE CELLOVERHEAD', () => {
  test("a datagram counts as netem's packet_time counts it", () => {
    const bytes = (length: number, attributes: Record<string, number>) => timedBytes(length, attributes);
    assert.equal(bytes(58, {}), 58);
    assert.equal(bytes(58, { packet_overhead: 42 }), 100);
    // The man page's ATM example: 50 bytes in cells of 48 + 5: two cells, 106 bytes.
    assert.equal(bytes(50, { cell_size: 48, cell_overhead: 5 }), 106);
    assert.equal(bytes(48, { cell_size: 48, cell_overhead: 5 }), 53);
    assert.equal(bytes(49, { cell_size: 48 }), 96);
    assert.equal(bytes(62, { packet_overhead: -14, cell_size: 48, cell_overhead: 5 }), 53);
    assert.equal(bytes(10, { packet_overhead: -14 }), 0);
  });

  test('packet_overhead slows the rate: 20 datagrams of 58 + 42 bytes at 10 KB/s take 200 ms', async () => {
    const harness = await startHarness();
    const sink = await startUdpEcho(false);
    const proxy = await createUdpProxy(harness, 'slow', sink.address);
    await harness.api('POST', '/proxies/slow/toxics', {
      type: 'udp_bandwidth',
      stream: 'upstream',
      attributes: { rate: 10, packet_overhead: 42 },
    });
    const client = await udpClient();
    const started = performance.now();
    for (let i = 0; i < 20; i++) client.send(Buffer.alloc(58, i), proxy.port);
    await waitFor(() => sink.received.length === 20, 'the 20 datagrams');
    const took = performance.now() - started;
    await harness.close();
    // 100 bytes each at 10 bytes/ms; the schedule may catch up 10 ms of a late timer. Without the
    // overhead it would take 116 ms.
    assert.ok(took >= 190, `took ${took} ms`);
  });
});

test('the same seed and the same traffic give the same decisions in every netem model', async () => {
  const run = async (seed: number) => {
    const harness = await startHarness({ seed });
    const sink = await startUdpEcho(false);
    await createUdpProxy(harness, 'again', sink.address);
    const toxics = [
      {
        name: 'state',
        type: 'loss',
        attributes: { p13: 30_000, p31: 300_000, p32: 100_000, p23: 400_000, p14: 10_000 },
      },
      { name: 'twice', type: 'duplicate', attributes: { probability: 100_000, correlation: 300_000 } },
      { name: 'flip', type: 'corrupt', attributes: { probability: 100_000 } },
      { name: 'ge', type: 'loss', attributes: { to_bad: 20_000, bad_loss: 700_000, good_loss: 10_000 } },
    ];
    for (const toxic of toxics) {
      const added = await harness.api('POST', '/proxies/again/toxics', { ...toxic, stream: 'upstream' });
      assert.equal(added.status, 200, added.text);
    }
    await sendThrough(harness, 'again', 2000, sink);
    const dropped = (harness.engine.get('again') as UdpProxy).stats().datagramsDropped;
    const seen = sink.received.map((data) => data.toString('hex'));
    await harness.close();
    return { seen, dropped };
  };
  const first = await run(11);
  assert.ok(first.dropped > 0, 'some datagrams were lost');
  assert.deepEqual(await run(11), first);
  assert.notDeepEqual((await run(12)).seen, first.seen);
});

describe("netem's correlated uniform, and the correlated chance that keeps its rate", () => {
  /** A random source that returns the given draws in turn. */
  const draws = (...values: number[]): RandomSource => {
    let index = 0;
    const source: RandomSource = {
      seed: 0,
      next: () => values[index++]!,
      int: () => 0,
      fork: () => source,
    };
    return source;
  };

  test('next = c · last + (1 - c) · fresh, the first draw as it comes', () => {
    const uniform = createCorrelatedUniform(draws(0.2, 0.8, 0.4, 0.6));
    assert.deepEqual([uniform(0.5), uniform(0.5), uniform(0.5), uniform(0)], [0.2, 0.5, 0.45, 0.6]);
  });

  test('after a yes the chance is p + c(1 - p), after a no p(1 - c)', () => {
    // p 0.1, c 0.5: after a no 0.05, after a yes 0.55.
    const chance = createCorrelatedChance(draws(0.049, 0.54, 0.56, 0.051, 0.09));
    assert.deepEqual(
      [chance(0.1, 0.5), chance(0.1, 0.5), chance(0.1, 0.5), chance(0.1, 0.5), chance(0.1, 0)],
      [true, true, false, false, true],
    );
  });
});
