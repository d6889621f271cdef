import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { createRandom } from '../src/model/random.js';
import { parseToxicCreate } from '../src/model/toxic.js';
import type { Chunk, Receiver } from '../src/proxy/chunk.js';
import { Stage } from '../src/proxy/stage.js';
import { FakeClock } from './fake-clock.js';

interface Run {
  clock: FakeClock;
  stage: Stage;
  out: Array<{ data: string; at: number }>;
  ended: boolean;
  closed: string[];
}

/** Runs one toxic as a stage with a fake clock and records what it lets through, and when. */
function runToxic(body: object, seed = 1): Run {
  const clock = new FakeClock();
  const run = { clock, out: [], ended: false, closed: [] } as unknown as Run;
  const sink: Receiver = {
    accept: (chunk: Chunk) => run.out.push({ data: chunk.data.toString(), at: clock.now() }),
    // The pipeline's last receiver closes the connection when a toxic finishes the stream.
    finish: () => run.closed.push('end'),
    reset: () => undefined,
    end: () => {
      run.ended = true;
    },
  };
  run.stage = new Stage(parseToxicCreate(body), sink, createRandom(seed), {
    clock,
    discard: () => undefined,
    closeLink: (mode) => run.closed.push(mode),
    acted: () => undefined,
    ready: () => undefined,
  });
  return run;
}

const send = (run: Run, text: string) => run.stage.accept({ data: Buffer.from(text), time: run.clock.now() });

describe('latency', () => {
  test('each chunk leaves latency ms after it arrived; queued chunks do not add up', async () => {
    const run = runToxic({ type: 'latency', attributes: { latency: 100 } });
    send(run, 'a');
    await run.clock.advance(10);
    send(run, 'b');
    await run.clock.advance(200);
    assert.deepEqual(run.out, [
      { data: 'a', at: 100 },
      { data: 'b', at: 110 },
    ]);
  });

  test('jitter stays within ± jitter and repeats for the same seed', async () => {
    const delays = async (seed: number) => {
      const run = runToxic({ type: 'latency', attributes: { latency: 100, jitter: 20 } }, seed);
      const result: number[] = [];
      for (let i = 0; i < 20; i++) {
        const start = run.clock.now();
        send(run, 'x');
        await run.clock.advance(130);
        result.push(run.out[i]!.at - start);
      }
      return result;
    };
    const first = await delays(5);
    assert.ok(
      first.every((delay) => delay >= 80 && delay <= 120),
      first.join(','),
    );
    assert.ok(new Set(first).size > 5, 'the delays vary');
    assert.deepEqual(await delays(5), first);
    assert.notDeepEqual(await delays(6), first);
  });

  test('an interrupted latency toxic passes its chunk on at once', async () => {
    const run = runToxic({ type: 'latency', attributes: { latency: 1000 } });
    send(run, 'held');
    send(run, 'queued');
    await run.clock.advance(1);
    await run.stage.interrupt();
    assert.deepEqual(run.out, [{ data: 'held', at: 1 }], 'passed on at the moment of the interruption');
    const next: string[] = [];
    run.stage.flushInto({
      accept: (chunk) => next.push(chunk.data.toString()),
      finish: () => undefined,
      reset: () => undefined,
      end: () => undefined,
    });
    assert.deepEqual(next, ['queued'], 'the queue is handed over, in order');
  });
});

describe('bandwidth', () => {
  test('paces bytes at the rate, cutting 100 ms pieces', async () => {
    const run = runToxic({ type: 'bandwidth', attributes: { rate: 10 } });
    send(run, 'x'.repeat(2500));
    await run.clock.advance(300);
    assert.deepEqual(
      run.out.map((piece) => [piece.data.length, piece.at]),
      [
        [1000, 100],
        [1000, 200],
        [500, 250],
      ],
    );
  });
});

describe('slicer', () => {
  test('piece sizes stay within average ± variation and repeat for the same seed', () => {
    fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 2, max: 50 }),
        fc.integer({ min: 0, max: 100 }),
        fc.integer({ min: 1, max: 2000 }),
        fc.integer(),
        async (average, variationPercent, length, seed) => {
          const variation = Math.floor(((average - 1) * variationPercent) / 100);
          const body = { type: 'slicer', attributes: { average_size: average, size_variation: variation } };
          const pieces = (run: Run) => run.out.map((piece) => piece.data.length);
          const first = runToxic(body, seed);
          send(first, 'y'.repeat(length));
          await first.clock.advance(0);
          const sizes = pieces(first);
          assert.equal(
            sizes.reduce((a, b) => a + b, 0),
            length,
            'sliced output concatenates to the input',
          );
          assert.ok(
            sizes.slice(0, -1).every((size) => size >= average - variation && size <= average + variation),
          );
          const second = runToxic(body, seed);
          send(second, 'y'.repeat(length));
          await second.clock.advance(0);
          assert.deepEqual(pieces(second), sizes);
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('connection-ending toxics', () => {
  test('limit_data truncates the chunk that crosses the limit, then closes', async () => {
    const run = runToxic({ type: 'limit_data', attributes: { bytes: 5 } });
    send(run, 'abc');
    send(run, 'defgh');
    send(run, 'ijk');
    await run.clock.advance(0);
    assert.deepEqual(
      run.out.map((piece) => piece.data),
      ['abc', 'de'],
    );
    assert.deepEqual(run.closed, ['end']);
  });

  test('timeout drops data and closes after its timeout; an update re-arms it', async () => {
    const run = runToxic({ type: 'timeout', attributes: { timeout: 100 } });
    send(run, 'dropped');
    await run.clock.advance(50);
    await run.stage.interrupt();
    run.stage.resume(parseToxicCreate({ type: 'timeout', attributes: { timeout: 100 } }));
    await run.clock.advance(99);
    assert.deepEqual(run.closed, []);
    await run.clock.advance(1);
    assert.deepEqual(run.out, []);
    assert.deepEqual(run.closed, ['end']);
  });

  test('reset_peer resets after its timeout, and an interrupted one resets nothing and keeps the data', async () => {
    const fired = runToxic({ type: 'reset_peer', attributes: { timeout: 30 } });
    send(fired, 'x');
    await fired.clock.advance(30);
    assert.deepEqual(fired.closed, ['reset']);
    const interrupted = runToxic({ type: 'reset_peer', attributes: { timeout: 30 } });
    send(interrupted, 'kept');
    await interrupted.clock.advance(10);
    await interrupted.stage.interrupt();
    assert.deepEqual(interrupted.closed, []);
    assert.deepEqual(
      interrupted.out.map((piece) => piece.data),
      ['kept'],
    );
  });

  test('slow_close holds the end back by its delay', async () => {
    const run = runToxic({ type: 'slow_close', attributes: { delay: 40 } });
    send(run, 'data');
    run.stage.end();
    await run.clock.advance(39);
    assert.equal(run.ended, false);
    await run.clock.advance(1);
    assert.equal(run.ended, true);
  });
});
