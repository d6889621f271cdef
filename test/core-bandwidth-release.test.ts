import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { RandomSource } from '../src/model/random.js';
import { type ConnectionToxicSpec, isConnectionToxicSpec, parseToxicCreate } from '../src/model/toxic.js';
import type { Chunk } from '../src/proxy/chunk.js';
import { Stage } from '../src/proxy/stage.js';
import { GO_READ_BYTES } from '../src/proxy/toxics/bandwidth.js';
import { FakeClock } from './fake-clock.js';

/**
 * A bandwidth toxic at rate 0 holds one Go-sized read (at most 32 KiB). Interrupted (updated or
 * removed), it pushes that read on at once, topped up to 32 KiB with the chunks that followed it
 * while the socket still had bytes waiting (`readFilled`, within 50 ms); the rest stays queued for
 * the toxic as updated. These drive one stage in memory, on a clock that never moves by itself.
 */

const KIB = 1024;

const alwaysApplies: RandomSource = { seed: 0, next: () => 0, int: (min) => min, fork: () => alwaysApplies };

function bandwidth(rate: number): ConnectionToxicSpec {
  const spec = parseToxicCreate({ name: 'pipe', type: 'bandwidth', attributes: { rate } });
  if (!isConnectionToxicSpec(spec)) throw new Error('bandwidth is a connection toxic');
  return spec;
}

/** Lets the stage's promise chains run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

/** A bandwidth stage at rate 0, what it pushed on (chunks in order) and a probe of what it still queues. */
function heldAtRateZero() {
  const pushed: Chunk[] = [];
  const stage = new Stage(
    bandwidth(0),
    {
      accept: (chunk) => pushed.push(chunk),
      end: () => undefined,
      finish: () => undefined,
      reset: () => undefined,
    },
    alwaysApplies,
    {
      clock: new FakeClock(),
      discard: () => undefined,
      closeLink: () => undefined,
      acted: () => undefined,
      ready: () => undefined,
    },
  );
  /** Takes what the stage still queues, as its removal would hand it on. */
  const queued = (): Chunk[] => {
    const rest: Chunk[] = [];
    stage.flushInto({
      accept: (chunk) => rest.push(chunk),
      end: () => undefined,
      finish: () => undefined,
      reset: () => undefined,
    });
    return rest;
  };
  return { stage, pushed, queued };
}

/** `size` bytes of `fill`, read at `time`, the read having filled its buffer or not. */
const read = (fill: string, size: number, time: number, readFilled?: boolean): Chunk => ({
  data: Buffer.alloc(size, fill),
  time,
  ...(readFilled === undefined ? {} : { readFilled }),
});

/** Each chunk as "fill×size" runs, e.g. "a3b2" for aaabb, so a failure reads at a glance. */
function runs(data: Buffer): string {
  let out = '';
  for (let start = 0; start < data.length;) {
    let end = start;
    while (end < data.length && data[end] === data[start]) end += 1;
    out += `${String.fromCharCode(data[start]!)}${end - start}`;
    start = end;
  }
  return out;
}

const shape = (chunks: Chunk[]) => chunks.map((chunk) => `${runs(chunk.data)}@${chunk.time}`);

/** Queues `reads` on a stage at rate 0 and interrupts it. */
async function interrupted(...reads: Chunk[]) {
  const rig = heldAtRateZero();
  for (const chunk of reads) rig.stage.accept(chunk);
  await settle();
  assert.deepEqual(rig.pushed, [], 'rate 0 holds everything until interrupted');
  await rig.stage.interrupt();
  return rig;
}

/** What a stage at rate 0 holding `reads` pushes when interrupted, and what it still queues. */
async function interruptHolding(...reads: Chunk[]) {
  const rig = await interrupted(...reads);
  return { pushed: shape(rig.pushed), queued: shape(rig.queued()) };
}

/** Interrupts a stage holding `reads`, lets it hold again at rate 0, and interrupts it again. */
async function interruptedTwice(...reads: Chunk[]) {
  const rig = await interrupted(...reads);
  rig.pushed.length = 0;
  rig.stage.resume(bandwidth(0));
  await settle();
  await rig.stage.interrupt();
  return { pushed: shape(rig.pushed), queued: shape(rig.queued()) };
}

describe('bandwidth interrupted at rate 0: what it releases at once, and what stays queued', () => {
  test('the held read goes on with the reads that followed it while each one before filled its buffer', async () => {
    const { pushed, queued } = await interruptHolding(
      read('a', 10, 0, true),
      read('b', 20, 10, true),
      read('c', 30, 20, false),
      read('d', 40, 30, true),
    );
    // c did not fill its buffer: the socket had nothing more waiting, so d is a later read.
    assert.deepEqual(pushed, ['a10b20c30@0']);
    assert.deepEqual(queued, ['d40@30']);
  });

  test('a held read that did not fill its buffer goes on alone', async () => {
    for (const flag of [false, undefined]) {
      const { pushed, queued } = await interruptHolding(read('a', 10, 0, flag), read('b', 20, 0, true));
      assert.deepEqual([pushed, queued], [['a10@0'], ['b20@0']], `readFilled ${flag}`);
    }
  });

  test('a read 50 ms after the one before joins it; one later than that does not', async () => {
    const joined = await interruptHolding(read('a', 10, 100, true), read('b', 20, 150, true));
    assert.deepEqual([joined.pushed, joined.queued], [['a10b20@100'], []]);
    const late = await interruptHolding(read('a', 10, 100, true), read('b', 20, 151, true));
    assert.deepEqual([late.pushed, late.queued], [['a10@100'], ['b20@151']]);
  });

  test('each following read is timed against the one just before it, not the held one', async () => {
    const { pushed, queued } = await interruptHolding(
      read('a', 10, 0, true),
      read('b', 10, 40, true),
      read('c', 10, 80, true),
      read('d', 10, 131, true),
    );
    assert.deepEqual([pushed, queued], [['a10b10c10@0'], ['d10@131']]);
  });

  test('the release stops at 32 KiB: a read that does not fit is cut, and its rest stays queued as read', async () => {
    const { pushed, queued } = await interruptHolding(
      read('a', 30 * KIB, 0, true),
      read('b', 4 * KIB, 5, true),
      read('c', 1 * KIB, 6, false),
    );
    assert.deepEqual(pushed, [`a${30 * KIB}b${2 * KIB}@0`]);
    assert.deepEqual(queued, [`b${2 * KIB}@5`, `c${KIB}@6`]);
  });

  test('a read that fills the 32 KiB exactly is taken whole, and nothing after it', async () => {
    const { pushed, queued } = await interruptHolding(
      read('a', 30 * KIB, 0, true),
      read('b', 2 * KIB, 5, true),
      read('c', 1 * KIB, 6, true),
    );
    assert.deepEqual([pushed, queued], [[`a${30 * KIB}b${2 * KIB}@0`], [`c${KIB}@6`]]);
  });

  test('a held read of 32 KiB is released alone', async () => {
    const { pushed, queued } = await interruptHolding(
      read('a', GO_READ_BYTES, 0, true),
      read('b', 10, 1, true),
    );
    assert.deepEqual([pushed, queued], [[`a${GO_READ_BYTES}@0`], ['b10@1']]);
  });

  test('a read bigger than 32 KiB is held 32 KiB at a time: the rest waits in front of the queue', async () => {
    const { pushed, queued } = await interruptHolding(read('a', 40 * KIB, 0, true), read('b', 10, 1, false));
    assert.deepEqual([pushed, queued], [[`a${GO_READ_BYTES}@0`], [`a${8 * KIB}@0`, 'b10@1']]);
  });

  test('the rest of a cut read that filled its buffer, held in its turn, takes the reads that followed it', async () => {
    // 40 KiB read in one go, more waiting: a Go reader would have read 32 KiB, then the 8 KiB
    // left with the 10 + 10 bytes that followed, in its next read.
    const { pushed, queued } = await interruptedTwice(
      read('a', 40 * KIB, 0, true),
      read('b', 10, 1, true),
      read('c', 10, 2, false),
      read('d', 10, 3, false),
    );
    assert.deepEqual([pushed, queued], [[`a${8 * KIB}b10c10@0`], ['d10@3']]);
  });

  test('the rest of a read cut at the 32 KiB release, held in its turn, still takes what followed it', async () => {
    const { pushed, queued } = await interruptedTwice(
      read('a', 30 * KIB, 0, true),
      read('b', 4 * KIB, 5, true),
      read('c', 10, 6, false),
    );
    assert.deepEqual([pushed, queued], [[`b${2 * KIB}c10@5`], []]);
  });

  test('nothing queued behind the held read: it goes on alone and the queue stays empty', async () => {
    const { pushed, queued } = await interruptHolding(read('a', 10, 0, true));
    assert.deepEqual([pushed, queued], [['a10@0'], []]);
  });
});
