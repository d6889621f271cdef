/**
 * A busy event loop may hand a chunk or datagram to a latency toxic after it has already waited
 * the toxic's delay. It leaves at once, and the toxic still reports that it delayed it: an event
 * stream that drops "toxic.fired" whenever the machine is busy would say the fault never acted.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseToxicCreate } from '../src/model/toxic.js';
import type { Chunk } from '../src/proxy/chunk.js';
import { Stage } from '../src/proxy/stage.js';
import type { Datagram } from '../src/proxy/udp/datagram.js';
import { latency as datagramLatency } from '../src/proxy/udp/toxics/latency.js';
import { FakeClock } from './fake-clock.js';
import { scripted } from './scripted-random.js';

/** A latency stage over a fake clock, with what it passes on and the actions it reports. */
function latencyStage(latencyMs: number, clock: FakeClock) {
  const acted: string[] = [];
  const out: Array<{ data: string; at: number }> = [];
  const stage = new Stage(
    parseToxicCreate({ type: 'latency', attributes: { latency: latencyMs } }),
    {
      accept: (chunk: Chunk) => out.push({ data: chunk.data.toString(), at: clock.now() }),
      finish: () => undefined,
      reset: () => undefined,
      end: () => undefined,
    },
    scripted([0]),
    {
      clock,
      discard: () => undefined,
      closeLink: () => undefined,
      acted: (_toxic, action) => acted.push(action),
      ready: () => undefined,
    },
  );
  return { stage, acted, out };
}

describe('a latency toxic given a chunk that already waited its delay', () => {
  test('passes it on at once and reports the delay', async () => {
    const clock = new FakeClock();
    await clock.advance(50);
    const { stage, acted, out } = latencyStage(10, clock);
    stage.accept({ data: Buffer.from('late'), time: 30 });
    await clock.advance(0);
    assert.deepEqual([out, acted], [[{ data: 'late', at: 50 }], ['delay']]);
  });

  test('a latency of 0 reports nothing', async () => {
    const clock = new FakeClock();
    const { stage, acted, out } = latencyStage(0, clock);
    stage.accept({ data: Buffer.from('x'), time: 0 });
    await clock.advance(0);
    assert.deepEqual([out.length, acted], [1, []]);
  });
});

describe('a udp_latency toxic given a datagram that already waited its delay', () => {
  function run(attributes: Record<string, number>, budgetFull = false) {
    const clock = new FakeClock();
    const acted: string[] = [];
    const out: Array<{ data: string; at: number }> = [];
    let dropped = 0;
    const behaviour = datagramLatency.create({
      attributes,
      clock,
      random: scripted([0]),
      signal: new AbortController().signal,
      push: (datagram: Datagram) => out.push({ data: datagram.data.toString(), at: clock.now() }),
      budget: { full: budgetFull, take: () => undefined, release: () => undefined },
      drop: () => dropped++,
      acted: (action) => acted.push(action),
    });
    return { clock, acted, out, dropped: () => dropped, behaviour };
  }

  test('sends it at once and reports the delay', async () => {
    const late = run({ latency: 1 });
    await late.clock.advance(5);
    late.behaviour.datagram({ data: Buffer.from('late'), time: 0 });
    assert.deepEqual([late.out, late.acted], [[{ data: 'late', at: 5 }], ['delay']]);
  });

  test('one it holds is reported as delayed too, and one it cannot hold only as dropped', async () => {
    const held = run({ latency: 10 });
    held.behaviour.datagram({ data: Buffer.from('held'), time: 0 });
    await held.clock.advance(10);
    assert.deepEqual([held.out, held.acted], [[{ data: 'held', at: 10 }], ['delay']]);
    const full = run({ latency: 10 }, true);
    full.behaviour.datagram({ data: Buffer.from('dropped'), time: 0 });
    assert.deepEqual([full.out, full.acted, full.dropped()], [[], ['drop'], 1]);
  });

  test('a latency of 0 reports nothing', () => {
    const none = run({ latency: 0 });
    none.behaviour.datagram({ data: Buffer.from('x'), time: 0 });
    assert.deepEqual([none.out.length, none.acted], [1, []]);
  });
});
