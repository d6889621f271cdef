import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { RandomSource } from '../src/model/random.js';
import { parseToxicCreate, parseToxicUpdate } from '../src/model/toxic.js';
import type { Chunk, Receiver } from '../src/proxy/chunk.js';
import { Stage } from '../src/proxy/stage.js';
import type { CloseMode, ConnectContext } from '../src/proxy/toxic-behaviour.js';
import { connectDelay } from '../src/proxy/toxics/connect-delay.js';
import { createBitFlipper } from '../src/proxy/toxics/corrupt.js';
import { refuse } from '../src/proxy/toxics/refuse.js';
import { FakeClock } from './fake-clock.js';
import { scripted } from './scripted-random.js';

function connectContext(clock: FakeClock, attributes: Record<string, number>, signal?: AbortSignal) {
  const acted: string[] = [];
  const context: ConnectContext = {
    attributes,
    clock,
    signal: signal ?? new AbortController().signal,
    acted: (action) => acted.push(action),
  };
  return { context, acted };
}

describe('connection toxics that act before the upstream is dialled', () => {
  test('refuse: the verdict is "refuse", reported as "refuse", at once', () => {
    const { context, acted } = connectContext(new FakeClock(), {});
    assert.equal(refuse.connect?.(context), 'refuse');
    assert.deepEqual(acted, ['refuse']);
    assert.equal(refuse.create, undefined, 'refuse adds no byte stage');
  });

  test('connect_delay: the verdict "pass" comes after exactly `delay` ms, reported as "delay connect"', async () => {
    const clock = new FakeClock();
    const { context, acted } = connectContext(clock, { delay: 250 });
    let verdict: string | undefined;
    void Promise.resolve(connectDelay.connect?.(context)).then((value) => (verdict = value));
    assert.deepEqual(acted, ['delay connect']);
    await clock.advance(249);
    assert.equal(verdict, undefined, 'still held at 249 ms');
    await clock.advance(1);
    assert.equal(verdict, 'pass');
    assert.equal(connectDelay.create, undefined, 'connect_delay adds no byte stage');
  });

  test('connect_delay: an interruption lets the connection go on before the delay is over', async () => {
    const clock = new FakeClock();
    const interrupt = new AbortController();
    const { context } = connectContext(clock, { delay: 10_000 }, interrupt.signal);
    const verdict = Promise.resolve(connectDelay.connect?.(context));
    await clock.advance(5);
    interrupt.abort();
    assert.equal(await verdict, 'pass');
    assert.equal(clock.now(), 5);
  });

  test('connect_delay without a delay attribute passes without waiting', async () => {
    const clock = new FakeClock();
    const { context } = connectContext(clock, {});
    const verdict = Promise.resolve(connectDelay.connect?.(context));
    await clock.advance(0);
    assert.equal(await verdict, 'pass');
    assert.equal(clock.pending, 0);
  });
});

describe('corrupt: the bit flipper', () => {
  test('probability 1 flips one bit in every byte, the bit drawn from int(0, 7)', () => {
    const flip = createBitFlipper(scripted([], [0, 7, 3]));
    const data = Buffer.from([0x00, 0x00, 0xff]);
    assert.equal(flip(data, 1), 3);
    assert.deepEqual([...data], [0x01, 0x80, 0xf7]);
  });

  test('probability 0 (or below) changes nothing and draws nothing', () => {
    const random = scripted([], []);
    const flip = createBitFlipper(random);
    const data = Buffer.from('abc');
    assert.equal(flip(data, 0), 0);
    assert.equal(flip(data, -0.5), 0);
    assert.equal(data.toString(), 'abc');
    assert.deepEqual(random.intCalls, []);
  });

  test('the gap to the next flipped byte is floor(log(1 - u) / log(1 - p)) bytes', () => {
    // p = 0.5: u = 0.75 gives log(0.25)/log(0.5) = 2 bytes skipped; u = 0.5 gives 1; u = 0.3 gives 0.
    const flip = createBitFlipper(scripted([0.75, 0.5, 0.3, 0.9], [0, 1, 2]));
    const data = Buffer.alloc(6);
    assert.equal(flip(data, 0.5), 3);
    // Flips at 2, then 2 + 1 + 1 = 4, then 4 + 1 + 0 = 5; the next gap (u = 0.9: 3) runs past the end.
    assert.deepEqual([...data], [0, 0, 0x01, 0, 0x02, 0x04]);
  });

  test('a gap that runs past a chunk carries into the next one: the cut does not change the picks', () => {
    const whole = Buffer.alloc(8);
    createBitFlipper(scripted([0.75, 0.9375, 0.1], [0, 0, 0]))(whole, 0.5);
    const cut = [Buffer.alloc(3), Buffer.alloc(5)];
    const flip = createBitFlipper(scripted([0.75, 0.9375, 0.1], [0, 0, 0]));
    const flips = cut.map((piece) => flip(piece, 0.5));
    assert.deepEqual([...Buffer.concat(cut)], [...whole]);
    // u = 0.75: byte 2; u = 0.9375 (log(1/16)/log(1/2) = 4): byte 2 + 1 + 4 = 7; u = 0.1: past the end.
    assert.deepEqual([...whole], [0, 0, 1, 0, 0, 0, 0, 1]);
    assert.deepEqual(flips, [1, 1]);
  });

  test('a new probability draws a new gap instead of keeping the one drawn for the old', () => {
    const flip = createBitFlipper(scripted([0.9375, 0.3, 0.5, 0.99], [0, 0]));
    const first = Buffer.alloc(2);
    // p = 0.5, u = 0.9375: gap 4, past these two bytes (2 left over for the next chunk).
    assert.equal(flip(first, 0.5), 0);
    const second = Buffer.alloc(2);
    // p = 0.9 now: u = 0.3 gives floor(log(0.7)/log(0.1)) = 0, so byte 0 flips at once; then u = 0.5: 0 again.
    assert.equal(flip(second, 0.9), 2);
    assert.deepEqual([...second], [1, 1]);
  });
});

interface Recorded {
  out: string[];
  ended: boolean;
  closes: CloseMode[];
  discarded: number;
  acted: string[];
}

function stageOf(type: 'corrupt' | 'limit_time', attributes: Record<string, unknown>, random: RandomSource) {
  const clock = new FakeClock();
  const recorded: Recorded = { out: [], ended: false, closes: [], discarded: 0, acted: [] };
  const sink: Receiver = {
    accept: (chunk: Chunk) => recorded.out.push(chunk.data.toString('latin1')),
    finish: () => undefined,
    reset: () => undefined,
    end: () => (recorded.ended = true),
  };
  const spec = parseToxicCreate({ type, attributes });
  const running = new Stage(spec, sink, random, {
    clock,
    discard: (bytes) => (recorded.discarded += bytes),
    closeLink: (mode) => recorded.closes.push(mode),
    acted: (_toxic, action) => recorded.acted.push(action),
    ready: () => undefined,
  });
  const send = (text: string) => running.accept({ data: Buffer.from(text, 'latin1'), time: clock.now() });
  return { clock, recorded, running, send, spec };
}

describe('corrupt on a connection', () => {
  test('probability is in parts per million; a chunk with a flip is reported "corrupt"', async () => {
    // The toxicity roll (0), then a gap of 0 at p = 1 (no draw), bit 1 of each byte.
    const { clock, recorded, send } = stageOf('corrupt', { probability: 1_000_000 }, scripted([0], [1, 1]));
    send('@@');
    await clock.advance(0);
    assert.deepEqual(recorded.out, ['BB']);
    assert.deepEqual(recorded.acted, ['corrupt']);
  });

  test('a chunk with no flip passes as it is and reports nothing', async () => {
    // The toxicity roll, then u = 0.5 at p = 1/1000: a gap of 692 bytes, past this chunk.
    const { clock, recorded, send } = stageOf('corrupt', { probability: 1000 }, scripted([0, 0.5]));
    send('abc');
    await clock.advance(0);
    assert.deepEqual(recorded.out, ['abc']);
    assert.deepEqual(recorded.acted, []);
  });
});

describe('limit_time on a connection', () => {
  test('reset: data passes until `time` ms, then the link is reset and "reset" reported once', async () => {
    const { clock, recorded, send } = stageOf('limit_time', { time: 100 }, scripted([0]));
    send('a');
    await clock.advance(99);
    assert.deepEqual(recorded.closes, []);
    await clock.advance(1);
    assert.deepEqual(recorded.closes, ['reset']);
    assert.deepEqual(recorded.acted, ['reset']);
    assert.deepEqual(recorded.out, ['a']);
  });

  test('hang: after `time` ms data is discarded (and counted), the close is held, removal closes', async () => {
    const { clock, recorded, running, send } = stageOf(
      'limit_time',
      { time: 50, mode: 'hang' },
      scripted([0]),
    );
    send('before');
    await clock.advance(50);
    assert.deepEqual(recorded.acted, ['hang']);
    send('after');
    running.end();
    await clock.advance(10_000);
    assert.deepEqual(recorded.out, ['before']);
    assert.equal(recorded.discarded, 5);
    assert.equal(recorded.ended, false, 'the close is held back while hung');
    assert.deepEqual(recorded.closes, [], 'hang never resets');
    assert.equal(
      running.flushInto({
        accept: () => undefined,
        finish: () => undefined,
        reset: () => undefined,
        end: () => undefined,
      }),
      'close',
    );
  });

  test('the end of the stream before `time` passes on at once; the timer still resets later', async () => {
    const { clock, recorded, running } = stageOf('limit_time', { time: 100 }, scripted([0]));
    running.end();
    await clock.advance(0);
    assert.equal(recorded.ended, true);
    await clock.advance(100);
    assert.deepEqual(recorded.closes, ['reset']);
  });

  test("the time counts from when the toxic started on the connection, not from the clock's zero", async () => {
    const clock = new FakeClock();
    await clock.advance(1000);
    const closes: CloseMode[] = [];
    const spec = parseToxicCreate({ type: 'limit_time', attributes: { time: 100 } });
    const running = new Stage(
      spec,
      { accept: () => undefined, finish: () => undefined, reset: () => undefined, end: () => undefined },
      scripted([0, 0]),
      {
        clock,
        discard: () => undefined,
        closeLink: (mode) => closes.push(mode),
        acted: () => undefined,
        ready: () => undefined,
      },
    );
    await clock.advance(30);
    await running.interrupt();
    running.resume(parseToxicUpdate({ attributes: { time: 150 } }, spec));
    await clock.advance(119);
    assert.deepEqual(closes, [], 'not 149 ms after the start');
    await clock.advance(1);
    assert.deepEqual(closes, ['reset']);
  });

  test('removed before it fired: nothing to close, as no data was lost', async () => {
    const { clock, running } = stageOf('limit_time', { time: 50, mode: 'hang' }, scripted([0]));
    await clock.advance(49);
    assert.equal(
      running.flushInto({
        accept: () => undefined,
        finish: () => undefined,
        reset: () => undefined,
        end: () => undefined,
      }),
      undefined,
    );
  });

  test('an update keeps the start: 100 ms then 30 ms after an update to 150 fires at 150, not at 180', async () => {
    const { clock, recorded, running, spec } = stageOf('limit_time', { time: 100 }, scripted([0, 0]));
    await clock.advance(30);
    await running.interrupt();
    running.resume(parseToxicUpdate({ attributes: { time: 150 } }, spec));
    await clock.advance(119);
    assert.deepEqual(recorded.closes, [], 'not at 149');
    await clock.advance(1);
    assert.deepEqual(recorded.closes, ['reset']);
  });

  test('an update to a time already past fires at once; the old timer, interrupted, does not fire too', async () => {
    const { clock, recorded, running, spec } = stageOf('limit_time', { time: 100 }, scripted([0, 0]));
    await clock.advance(60);
    await running.interrupt();
    running.resume(parseToxicUpdate({ attributes: { time: 40 } }, spec));
    await clock.advance(0);
    assert.deepEqual(recorded.closes, ['reset']);
    await clock.advance(100);
    assert.deepEqual(recorded.closes, ['reset'], 'one reset only');
  });

  test('once hung, a restart does not hang or report again', async () => {
    const { clock, recorded, running, spec } = stageOf(
      'limit_time',
      { time: 10, mode: 'hang' },
      scripted([0, 0]),
    );
    await clock.advance(10);
    await running.interrupt();
    running.resume(parseToxicUpdate({ attributes: { time: 5 } }, spec));
    await clock.advance(10);
    assert.deepEqual(recorded.acted, ['hang']);
  });

  test('a missed toxicity roll never starts the timer', async () => {
    const clock = new FakeClock();
    const closes: CloseMode[] = [];
    new Stage(
      parseToxicCreate({ type: 'limit_time', toxicity: 0.5, attributes: { time: 10 } }),
      { accept: () => undefined, finish: () => undefined, reset: () => undefined, end: () => undefined },
      scripted([0.7]),
      {
        clock,
        discard: () => undefined,
        closeLink: (mode) => closes.push(mode),
        acted: () => undefined,
        ready: () => undefined,
      },
    );
    await clock.advance(100);
    assert.deepEqual(closes, []);
    assert.equal(clock.pending, 0);
  });
});
