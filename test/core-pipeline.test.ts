import assert from 'node:assert/strict';
import { EventEmitter, once } from 'node:events';
import net, { type Socket } from 'node:net';
import { PassThrough, Writable } from 'node:stream';
import { after, describe, test } from 'node:test';
import tls from 'node:tls';
import type { RandomSource } from '../src/model/random.js';
import { type ConnectionToxicSpec, isConnectionToxicSpec, parseToxicCreate } from '../src/model/toxic.js';
import { ChunkQueue } from '../src/proxy/chunk-queue.js';
import { afterWrites, finishWriting } from '../src/proxy/finish-writing.js';
import { HeldBudget } from '../src/proxy/held-budget.js';
import { Pipeline, type PipelineHost } from '../src/proxy/pipeline.js';
import { RecordReader } from '../src/proxy/record-reader.js';
import { SocketReader } from '../src/proxy/socket-reader.js';
import { Stage } from '../src/proxy/stage.js';
import { FakeClock } from './fake-clock.js';

const KIB = 1024;

/**
 * The parts of a socket a pipeline uses, in memory: what was written, whether it is paused, and
 * a `full` switch standing for a kernel send buffer that is full (write returns false until
 * `drain`).
 */
class FakeSocket extends EventEmitter {
  written: Buffer[] = [];
  paused = false;
  pauses = 0;
  resumes = 0;
  ends = 0;
  destroyed = false;
  writableEnded = false;
  full = false;
  writableLength = 0;

  get writableNeedDrain(): boolean {
    return this.full;
  }

  get text(): string {
    return Buffer.concat(this.written).toString();
  }

  write(data: Buffer): boolean {
    this.written.push(Buffer.from(data));
    return !this.full;
  }

  end(): void {
    this.ends += 1;
    this.writableEnded = true;
  }

  pause(): this {
    this.pauses += 1;
    this.paused = true;
    return this;
  }

  resume(): this {
    this.resumes += 1;
    this.paused = false;
    return this;
  }

  drain(): void {
    this.full = false;
    this.emit('drain');
  }
}

/** Every roll is 0, so each toxic (toxicity above 0) applies. */
const alwaysApplies: RandomSource = {
  seed: 0,
  next: () => 0,
  int: (min) => min,
  fork: () => alwaysApplies,
};

interface Rig {
  pipeline: Pipeline;
  reader: SocketReader;
  source: FakeSocket;
  destination: FakeSocket;
  clock: FakeClock;
  budget: HeldBudget;
  closed: string[];
  acted: string[];
  activity: { count: number };
  forks: string[];
}

function rig(
  toxics: ConnectionToxicSpec[] = [],
  budgetBytes = 64 * 1024 * KIB,
  selects?: PipelineHost['selects'],
  keepsChunks = false,
): Rig {
  const clock = new FakeClock();
  const source = new FakeSocket();
  const destination = new FakeSocket();
  if (keepsChunks) Object.assign(destination, { keepsWrittenChunks: true });
  const reader = new SocketReader();
  const budget = new HeldBudget(budgetBytes);
  const closed: string[] = [];
  const acted: string[] = [];
  const activity = { count: 0 };
  const forks: string[] = [];
  const random: RandomSource = {
    ...alwaysApplies,
    fork: (label) => {
      forks.push(label);
      return alwaysApplies;
    },
  };
  const host: PipelineHost = {
    clock,
    random,
    budget,
    activity: () => {
      activity.count += 1;
    },
    closeLink: (mode) => closed.push(mode),
    acted: (toxic, action, first) => acted.push(`${toxic.name}:${action}${first ? ':first' : ''}`),
    ...(selects ? { selects } : {}),
  };
  const pipeline = new Pipeline(
    'downstream',
    reader,
    source as unknown as Socket,
    destination as unknown as Socket,
    host,
    toxics,
  );
  return { pipeline, reader, source, destination, clock, budget, closed, acted, activity, forks };
}

function toxic(type: string, attributes: Record<string, number> = {}, name?: string): ConnectionToxicSpec {
  const spec = parseToxicCreate({ type, attributes, ...(name === undefined ? {} : { name }) });
  if (!isConnectionToxicSpec(spec)) throw new Error(`${type} is not a connection toxic`);
  return spec;
}

const bytes = (size: number, fill = 'x') => Buffer.alloc(size, fill);

/** Lets queued stages and promise chains run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

/** True when the reader hands out a fresh buffer for the next read (the last one was retained). */
function retained(reader: SocketReader): boolean {
  const first = reader.options.buffer();
  reader.options.callback(0, first);
  return reader.options.buffer() !== first;
}

describe('pipeline without toxics (the fast path)', () => {
  test('writes each read straight out and counts it both ways', () => {
    const { pipeline, reader, destination, activity, budget } = rig();
    reader.onData(Buffer.from('hello '));
    reader.onData(Buffer.from('world'));
    assert.equal(destination.text, 'hello world');
    assert.deepEqual(pipeline.stats, { received: 11, sent: 11 });
    assert.equal(activity.count, 2);
    assert.equal(budget.held, 0, 'the fast path holds nothing');
  });

  test('keeps the read buffer only when the write was not taken whole', () => {
    const taken = rig();
    taken.reader.onData(Buffer.from('a'));
    assert.equal(retained(taken.reader), false);
    const queued = rig();
    queued.destination.writableLength = 1;
    queued.reader.onData(Buffer.from('a'));
    assert.equal(retained(queued.reader), true);
  });

  test('keeps the read buffer after every write to a destination that keeps written chunks', () => {
    const keeping = rig([], 64 * 1024 * KIB, undefined, true);
    keeping.reader.onData(Buffer.from('a'));
    assert.equal(retained(keeping.reader), true);
  });

  test('a full destination pauses the source once; drain resumes it', () => {
    const { reader, source, destination } = rig();
    destination.full = true;
    reader.onData(Buffer.from('a'));
    reader.onData(Buffer.from('b'));
    assert.deepEqual([source.paused, source.pauses], [true, 1]);
    destination.drain();
    assert.deepEqual([source.paused, source.resumes], [false, 1]);
    destination.drain();
    assert.equal(source.resumes, 1, 'a drain with nothing paused resumes nothing');
  });

  test('the source ending ends the destination', () => {
    const { source, destination } = rig();
    source.emit('end');
    assert.equal(destination.ends, 1);
  });

  test('nothing is written to a destination that was ended or destroyed', () => {
    const ended = rig();
    ended.destination.writableEnded = true;
    ended.reader.onData(Buffer.from('late'));
    assert.deepEqual([ended.destination.written, ended.pipeline.stats.sent], [[], 0]);
    const destroyed = rig();
    destroyed.destination.destroyed = true;
    destroyed.reader.onData(Buffer.from('late'));
    destroyed.source.emit('end');
    assert.deepEqual([destroyed.destination.written, destroyed.destination.ends], [[], 0]);
  });
});

describe('pipeline without toxics, reading a TLS socket (a RecordReader)', () => {
  function recordRig(): {
    pipeline: Pipeline;
    reader: RecordReader;
    source: FakeSocket;
    destination: FakeSocket;
  } {
    const reader = new RecordReader();
    const source = new FakeSocket();
    const destination = new FakeSocket();
    const host: PipelineHost = {
      clock: new FakeClock(),
      random: alwaysApplies,
      budget: new HeldBudget(64 * 1024 * KIB),
      activity: () => undefined,
      closeLink: () => undefined,
      acted: () => undefined,
    };
    const pipeline = new Pipeline(
      'upstream',
      reader,
      source as unknown as Socket,
      destination as unknown as Socket,
      host,
      [],
    );
    return { pipeline, reader, source, destination };
  }

  /** What Node does with one decrypted record: copies it into the reader's buffer and calls back. */
  function decrypt(reader: RecordReader, text: string): void {
    const free = reader.options.buffer();
    reader.options.callback(free.write(text));
  }

  test('the records of one turn go out as one write once the turn is over, counted once', async () => {
    const { pipeline, reader, destination } = recordRig();
    // Records that fill the reader's buffer grow it (2 KiB to 32 KiB), each written at once.
    for (const size of [2, 4, 8, 16]) decrypt(reader, 'g'.repeat(size * KIB));
    assert.equal(destination.written.length, 4);
    decrypt(reader, 'one ');
    decrypt(reader, 'two ');
    decrypt(reader, 'three');
    assert.equal(destination.written.length, 4, 'held while the turn runs');
    await settle();
    assert.deepEqual(
      [destination.written.length, destination.written.at(-1)?.toString()],
      [5, 'one two three'],
    );
    assert.deepEqual(pipeline.stats, { received: 30 * KIB + 13, sent: 30 * KIB + 13 });
  });

  test("the source's end writes the records still held before it ends the destination", () => {
    const { reader, source, destination } = recordRig();
    decrypt(reader, 'last words');
    source.emit('end');
    assert.deepEqual([destination.text, destination.ends], ['last words', 1]);
  });
});

describe('pipeline with toxics', () => {
  test('each toxic gets a random source forked by stream and toxic name', () => {
    const { forks } = rig([toxic('noop', {}, 'first'), toxic('latency', { latency: 5 }, 'second')]);
    assert.deepEqual(forks, ['downstream/first', 'downstream/second']);
  });

  test('a read is copied before it enters the chain: the reader may reuse its buffer at once', async () => {
    const { reader, destination, clock } = rig([toxic('latency', { latency: 10 })]);
    const view = Buffer.from('abc');
    reader.onData(view);
    view.write('zzz');
    await clock.advance(10);
    assert.equal(destination.text, 'abc');
  });

  test('held bytes count against the shared budget until they are written out', async () => {
    const { reader, destination, clock, budget, pipeline } = rig([toxic('latency', { latency: 10 })]);
    reader.onData(bytes(3000));
    assert.equal(budget.held, 3000);
    await clock.advance(10);
    assert.equal(budget.held, 0);
    assert.deepEqual(pipeline.stats, { received: 3000, sent: 3000 });
    assert.equal(destination.written.length, 1);
  });

  test('a chain holding more than 256 KiB plus its toxics allowance pauses the source', () => {
    // latency asks for 32 MiB on top of the base 256 KiB.
    const { reader, source } = rig([toxic('latency', { latency: 100 })]);
    reader.onData(bytes(256 * KIB + 32 * 1024 * KIB));
    assert.equal(source.paused, false, 'exactly the limit is not too much');
    reader.onData(bytes(1));
    assert.deepEqual([source.paused, source.pauses], [true, 1]);
    reader.onData(bytes(1));
    assert.equal(source.pauses, 1, 'a paused source is not paused again');
  });

  test('bandwidth asks for 4 MiB on top of the base 256 KiB', () => {
    const { reader, source } = rig([toxic('bandwidth', { rate: 0 })]);
    reader.onData(bytes(256 * KIB + 4 * 1024 * KIB));
    assert.equal(source.paused, false, 'exactly the limit is not too much');
    reader.onData(bytes(1));
    assert.equal(source.paused, true);
  });

  test('the limit is never above the shared budget (nor below 256 KiB)', () => {
    const capped = rig([toxic('latency', { latency: 100 })], 1024 * KIB);
    capped.reader.onData(bytes(1024 * KIB));
    assert.equal(capped.source.paused, false);
    capped.reader.onData(bytes(1));
    assert.equal(capped.source.paused, true);
  });

  test('the source resumes only when the chain is down to half its limit', async () => {
    const { reader, source, clock } = rig([toxic('latency', { latency: 10 })], 1024 * 1024 * KIB);
    // Limit: 256 KiB + 32 MiB. Three reads of 12 MiB each go past it.
    const third = 12 * 1024 * KIB;
    reader.onData(bytes(third));
    await clock.advance(1);
    reader.onData(bytes(third));
    await clock.advance(1);
    reader.onData(bytes(third));
    assert.equal(source.paused, true);
    await clock.advance(8); // the first read leaves: 24 MiB held, more than half the limit
    assert.equal(source.paused, true, 'still paused above half');
    await clock.advance(1); // the second leaves: 12 MiB held
    assert.equal(source.paused, false);
    assert.equal(source.resumes, 1);
  });

  test('when the shared budget is spent, a chain pauses past 64 KiB and waits for room', async () => {
    const { reader, source, clock, budget } = rig([toxic('latency', { latency: 10 })], 100 * KIB);
    budget.take(100 * KIB + 1); // another connection spent the budget
    reader.onData(bytes(10 * KIB));
    await clock.advance(1);
    reader.onData(bytes(54 * KIB));
    assert.equal(source.paused, false, 'exactly 64 KiB may still move');
    reader.onData(bytes(1));
    assert.equal(source.paused, true);
    await clock.advance(9); // the first 10 KiB leave; 54 KiB + 1 is more than half the window
    assert.equal(source.paused, true, 'resuming waits for the budget');
    budget.release(100 * KIB + 1);
    assert.equal(source.paused, false, 'the budget woke it');
  });

  test('with the budget spent, a chain down to half the window resumes without waiting', async () => {
    const { reader, source, clock, budget } = rig([toxic('latency', { latency: 10 })], 100 * KIB);
    budget.take(100 * KIB + 1);
    reader.onData(bytes(33 * KIB));
    await clock.advance(1);
    reader.onData(bytes(32 * KIB));
    assert.equal(source.paused, true);
    await clock.advance(9); // 33 KiB leave, 32 KiB stay: half the window exactly
    assert.equal(source.paused, false);
  });

  test('two reads held by one toxic both come out: a stage waits only for a backed-up socket', async () => {
    const { reader, destination, clock } = rig([toxic('latency', { latency: 10 })]);
    reader.onData(Buffer.from('one '));
    reader.onData(Buffer.from('two'));
    await clock.advance(10);
    assert.equal(destination.text, 'one two');
  });

  test('bytes a toxic throws away leave the budget too', async () => {
    const { reader, budget } = rig([toxic('timeout', { timeout: 0 })]);
    reader.onData(bytes(100));
    await settle();
    assert.equal(budget.held, 0);
  });

  test('a destroyed destination holds no stage back, even when it said it was full', async () => {
    const { reader, destination, budget } = rig([toxic('noop')]);
    destination.full = true;
    destination.destroyed = true;
    reader.onData(bytes(10));
    reader.onData(bytes(10));
    await settle();
    assert.deepEqual([budget.held, destination.written], [0, []]);
  });

  test('the source resumes at exactly half the limit', async () => {
    const half = (256 * KIB + 32 * 1024 * KIB) / 2;
    const { reader, source, clock } = rig([toxic('latency', { latency: 10 })], 1024 * 1024 * KIB);
    reader.onData(bytes(half + 1));
    await clock.advance(1);
    reader.onData(bytes(half));
    assert.equal(source.paused, true, 'one byte past the limit');
    await clock.advance(9); // the first read leaves: exactly half is held
    assert.equal(source.paused, false);
  });

  test('the source ending passes through the chain to the destination', async () => {
    const { source, destination, clock, reader } = rig([toxic('latency', { latency: 10 })]);
    reader.onData(Buffer.from('last'));
    source.emit('end');
    assert.equal(destination.ends, 0, 'the end waits behind the data');
    await clock.advance(10);
    assert.deepEqual([destination.text, destination.ends], ['last', 1]);
  });
});

describe('which toxics get a stage', () => {
  test('a toxic the host does not select (match or counters) lets data pass untouched', async () => {
    const { reader, destination, clock, acted } = rig(
      [toxic('latency', { latency: 50 }, 'skipped'), toxic('latency', { latency: 20 }, 'taken')],
      undefined,
      (spec) => spec.name !== 'skipped',
    );
    reader.onData(Buffer.from('abc'));
    await clock.advance(19);
    assert.equal(destination.text, '');
    await clock.advance(1);
    assert.deepEqual([destination.text, acted], ['abc', ['taken:delay:first']]);
  });

  test('connect_delay and refuse act before the upstream is dialled: no stage, no random source', () => {
    const { reader, destination, forks } = rig([
      toxic('connect_delay', { delay: 50 }),
      toxic('refuse'),
      toxic('noop'),
    ]);
    assert.deepEqual(forks, ['downstream/noop_downstream']);
    reader.onData(Buffer.from('abc'));
    assert.equal(destination.text, 'abc');
  });
});

describe('changing the chain of a live pipeline', () => {
  test('a toxic added later applies to the next read', async () => {
    const { pipeline, reader, destination, clock } = rig();
    reader.onData(Buffer.from('before '));
    await pipeline.addToxic(toxic('latency', { latency: 10 }));
    reader.onData(Buffer.from('after'));
    assert.equal(destination.text, 'before ');
    await clock.advance(10);
    assert.equal(destination.text, 'before after');
  });

  test('an update changes the running toxic; an unknown name changes nothing', async () => {
    const { pipeline, reader, destination, clock } = rig([toxic('latency', { latency: 10 }, 'slow')]);
    await pipeline.updateToxic(toxic('latency', { latency: 50 }, 'slow'));
    await pipeline.updateToxic(toxic('latency', { latency: 1 }, 'other'));
    reader.onData(Buffer.from('a'));
    await clock.advance(49);
    assert.equal(destination.text, '');
    await clock.advance(1);
    assert.equal(destination.text, 'a');
  });

  test('removing a toxic passes what it held on, in order, and later reads go straight out', async () => {
    const { pipeline, reader, destination, clock, budget } = rig([
      toxic('latency', { latency: 1000 }, 'slow'),
    ]);
    reader.onData(Buffer.from('one '));
    reader.onData(Buffer.from('two '));
    await clock.advance(1);
    await pipeline.removeToxic('nothing-by-this-name');
    assert.equal(destination.text, '');
    await pipeline.removeToxic('slow');
    reader.onData(Buffer.from('three'));
    assert.equal(destination.text, 'one two three');
    assert.equal(budget.held, 0);
  });

  test('removing the middle toxic links its neighbours', async () => {
    const { pipeline, reader, destination, clock } = rig([
      toxic('latency', { latency: 10 }, 'a'),
      toxic('latency', { latency: 20 }, 'b'),
      toxic('latency', { latency: 30 }, 'c'),
    ]);
    await pipeline.removeToxic('b');
    reader.onData(Buffer.from('x'));
    await clock.advance(39);
    assert.equal(destination.text, '');
    await clock.advance(1);
    assert.equal(destination.text, 'x');
  });

  test('removing a toxic lowers the limit it had raised', async () => {
    const { pipeline, reader, source } = rig([
      toxic('latency', { latency: 100 }, 'one'),
      toxic('latency', { latency: 100 }, 'two'),
    ]);
    await pipeline.removeToxic('two');
    reader.onData(bytes(256 * KIB + 32 * 1024 * KIB + 1));
    assert.equal(source.paused, true, 'one latency allowance is left, not two');
  });

  test('removing a timeout toxic closes the link, as the stream lost data; removing another does not', async () => {
    const { pipeline, closed } = rig([toxic('timeout', { timeout: 0 }, 'cut'), toxic('latency', {}, 'slow')]);
    await pipeline.removeToxic('slow');
    assert.deepEqual(closed, []);
    await pipeline.removeToxic('cut');
    assert.deepEqual(closed, ['end']);
  });

  test('a limit reached in the chain closes the link gracefully once the toxics after it have written what they held', async () => {
    const { reader, destination, clock, closed } = rig([
      toxic('limit_data', { bytes: 3 }, 'cap'),
      toxic('latency', { latency: 20 }, 'slow'),
    ]);
    reader.onData(Buffer.from('abcdef'));
    await clock.advance(19);
    assert.deepEqual([destination.text, closed], ['', []]);
    await clock.advance(1);
    assert.deepEqual([destination.text, closed], ['abc', ['end']]);
  });

  test('chain changes run one after another even when not awaited', async () => {
    const { pipeline, reader, destination, clock } = rig();
    void pipeline.addToxic(toxic('latency', { latency: 10 }, 'a'));
    void pipeline.updateToxic(toxic('latency', { latency: 30 }, 'a'));
    await pipeline.addToxic(toxic('latency', { latency: 5 }, 'b'));
    reader.onData(Buffer.from('x'));
    await clock.advance(34);
    assert.equal(destination.text, '');
    await clock.advance(1);
    assert.equal(destination.text, 'x');
  });
});

describe('a source that failed', () => {
  test('a reset passes the held bytes through the toxics, then resets the link once they are written', async () => {
    const { pipeline, reader, destination, clock, closed } = rig([toxic('latency', { latency: 10 })]);
    reader.onData(Buffer.from('reply'));
    pipeline.reset();
    await clock.advance(9);
    assert.deepEqual([destination.text, closed], ['', []]);
    await clock.advance(1);
    await settle();
    assert.deepEqual([destination.text, closed], ['reply', ['reset']]);
  });

  test('another failure passes the held bytes on, then closes the link', async () => {
    const { pipeline, reader, destination, clock, closed } = rig([toxic('latency', { latency: 10 })]);
    reader.onData(Buffer.from('reply'));
    pipeline.finish();
    await clock.advance(10);
    await settle();
    assert.deepEqual([destination.text, closed], ['reply', ['end']]);
  });

  test('a closed pipeline without toxics neither resets nor closes the link when its source fails', async () => {
    const { pipeline, closed } = rig();
    pipeline.close();
    pipeline.reset();
    pipeline.finish();
    await settle();
    assert.deepEqual(closed, []);
  });

  test('a closed pipeline neither resets nor closes the link when its source fails', async () => {
    const { pipeline, reader, clock, closed } = rig([toxic('latency', { latency: 10 })]);
    reader.onData(Buffer.from('reply'));
    pipeline.close();
    pipeline.reset();
    pipeline.finish();
    await clock.advance(10);
    await settle();
    assert.deepEqual(closed, []);
  });
});

describe('closing a pipeline', () => {
  test('gives its held bytes back to the budget and ignores what is read afterwards', async () => {
    const { pipeline, reader, destination, clock, budget, source } = rig([toxic('latency', { latency: 10 })]);
    reader.onData(bytes(500));
    pipeline.close();
    assert.equal(budget.held, 0);
    reader.onData(bytes(500));
    source.emit('end');
    await clock.advance(10);
    assert.deepEqual([destination.written, destination.ends, budget.held], [[], 0, 0]);
    pipeline.close();
    assert.equal(budget.held, 0, 'a second close gives nothing back twice');
  });

  test('a drain after close does not resume the source', () => {
    const { pipeline, reader, source, destination } = rig();
    destination.full = true;
    reader.onData(Buffer.from('a'));
    assert.equal(source.paused, true);
    pipeline.close();
    destination.drain();
    assert.equal(source.resumes, 0);
  });

  test('a closed pipeline waiting for budget room is not woken', async () => {
    const { pipeline, reader, source, budget, clock } = rig([toxic('latency', { latency: 10 })], 10 * KIB);
    budget.take(10 * KIB + 1);
    reader.onData(bytes(10 * KIB));
    await clock.advance(1);
    reader.onData(bytes(55 * KIB));
    await clock.advance(9);
    assert.equal(source.paused, true);
    pipeline.close();
    budget.release(10 * KIB + 1);
    assert.equal(source.resumes, 0);
  });
});

describe('a stage waits while the destination is backed up', () => {
  test('the next chunk goes out only after drain', async () => {
    const { reader, destination } = rig([toxic('noop')]);
    destination.full = true;
    reader.onData(Buffer.from('a'));
    reader.onData(Buffer.from('b'));
    await settle();
    assert.equal(destination.text, 'a');
    destination.drain();
    await settle();
    assert.equal(destination.text, 'ab');
  });

  test('a destination that closes releases the waiting stage too', async () => {
    const { reader, destination } = rig([toxic('noop')]);
    destination.full = true;
    reader.onData(Buffer.from('a'));
    reader.onData(Buffer.from('b'));
    await settle();
    destination.emit('close');
    await settle();
    assert.equal(destination.text, 'ab');
  });

  test('an update interrupts a stage waiting for drain', async () => {
    const { pipeline, reader, destination } = rig([toxic('noop', {}, 'pass')]);
    destination.full = true;
    reader.onData(Buffer.from('a'));
    reader.onData(Buffer.from('b'));
    await settle();
    await pipeline.updateToxic(toxic('noop', {}, 'pass'));
    assert.equal(destination.text, 'ab', 'the interrupted stage moved on without drain');
  });
});

describe('the pipeline tells the toxics whether a read filled its buffer', () => {
  /**
   * Two reads held by bandwidth at rate 0, then an update to 1 KB/s: the first read goes on at
   * once with the second when the first filled its buffer (more bytes were waiting), else alone,
   * the second then paced (its first 100-byte piece is due 100 ms later, on a clock that stays still).
   */
  async function releasedAtOnce(filled: boolean | undefined): Promise<number[]> {
    const { pipeline, reader, destination } = rig([toxic('bandwidth', { rate: 0 }, 'pipe')]);
    const written = () => destination.written.map((chunk) => chunk.length);
    reader.onData(bytes(10, 'a'), filled);
    reader.onData(bytes(1000, 'b'), false);
    await settle();
    assert.deepEqual(written(), [], 'rate 0 holds both reads');
    await pipeline.updateToxic(toxic('bandwidth', { rate: 1 }, 'pipe'));
    await settle();
    return written();
  }

  test('a read that filled its buffer is released with the read that followed it', async () => {
    assert.deepEqual(await releasedAtOnce(true), [1010]);
  });

  test('a read that did not fill its buffer, or whose reader cannot tell, is released alone', async () => {
    assert.deepEqual([await releasedAtOnce(false), await releasedAtOnce(undefined)], [[10], [10]]);
  });
});

describe('bandwidth between pieces (the pacing needs no sleep at 1000 KB/s)', () => {
  test('bandwidth waits for drain before a piece whose pacing needs no sleep', async () => {
    // At 1000 KB/s one byte is due in 0.001 ms: no sleep, so only the backed-up socket holds it.
    const { reader, destination } = rig([toxic('bandwidth', { rate: 1000 })]);
    destination.full = true;
    reader.onData(Buffer.from('a'));
    await settle();
    assert.equal(destination.text, '');
    destination.drain();
    await settle();
    assert.equal(destination.text, 'a');
  });

  test('bandwidth pushes a piece that needs no sleep in the same turn when nothing holds it back', () => {
    const clock = new FakeClock();
    const out: string[] = [];
    const running = new Stage(
      toxic('bandwidth', { rate: 1000 }),
      {
        accept: (chunk) => out.push(chunk.data.toString()),
        finish: () => undefined,
        reset: () => undefined,
        end: () => undefined,
      },
      alwaysApplies,
      {
        clock,
        discard: () => undefined,
        closeLink: () => undefined,
        acted: () => undefined,
        ready: () => undefined,
      },
    );
    running.accept({ data: Buffer.from('now'), time: 0 });
    assert.deepEqual(out, ['now'], 'no await (not even a microtask) before the push');
  });
});

describe('a stage decides with the counters first, then rolls toxicity among what they picked', () => {
  /** A limit_data stage of toxicity 0.5 whose roll is `roll`, and what its host saw. */
  function limitStage(roll: number, picked: boolean) {
    const log: string[] = [];
    const out: string[] = [];
    const random: RandomSource = { ...alwaysApplies, next: () => (log.push('roll'), roll) };
    const spec = parseToxicCreate({ type: 'limit_data', toxicity: 0.5, attributes: { bytes: 2 } });
    const stage = new Stage(
      spec,
      {
        accept: (chunk) => out.push(chunk.data.toString()),
        finish: () => undefined,
        reset: () => undefined,
        end: () => undefined,
      },
      random,
      {
        clock: new FakeClock(),
        discard: () => undefined,
        closeLink: (mode) => log.push(`close ${mode}`),
        acted: () => undefined,
        ready: () => undefined,
        selects: () => (log.push('counted'), picked),
      },
    );
    stage.accept({ data: Buffer.from('hello'), time: 0 });
    return { log, out };
  }

  test('a roll that misses still spends the counters: they picked the connection', async () => {
    const { log, out } = limitStage(0.9, true);
    await settle();
    assert.deepEqual([log, out], [['roll', 'counted'], ['hello']]);
  });

  test('a roll that hits acts only on what the counters picked', async () => {
    const notPicked = limitStage(0.1, false);
    await settle();
    assert.deepEqual([notPicked.log, notPicked.out], [['roll', 'counted'], ['hello']]);
    const picked = limitStage(0.1, true);
    await settle();
    assert.deepEqual(picked.out, ['he']);
    assert.deepEqual(picked.log.slice(0, 2), ['roll', 'counted']);
  });
});

describe('slicer between pieces', () => {
  const slicer = () => toxic('slicer', { average_size: 1, size_variation: 0, delay: 0 }, 'cut');

  test('waits for drain before each next piece', async () => {
    const { reader, destination } = rig([slicer()]);
    destination.full = true;
    reader.onData(Buffer.from('abc'));
    await settle();
    assert.equal(destination.text, 'a');
    destination.drain();
    await settle();
    assert.equal(destination.text, 'abc');
  });

  test('an update while it waits passes the rest of the chunk on as one piece', async () => {
    const { pipeline, reader, destination } = rig([slicer()]);
    destination.full = true;
    reader.onData(Buffer.from('abc'));
    await settle();
    await pipeline.updateToxic(slicer());
    assert.deepEqual(
      destination.written.map((piece) => piece.toString()),
      ['a', 'bc'],
    );
  });
});

describe('the chunk queue of a stage', () => {
  const numbered = (from: number, count: number) =>
    Array.from({ length: count }, (_, i) => ({ data: Buffer.from(String(from + i)), time: 0 }));
  const shiftAll = (queue: ChunkQueue, count: number) =>
    Array.from({ length: count }, () => queue.shift()?.data.toString());

  test('keeps every chunk once, in order, across the compaction of its consumed prefix', () => {
    // 3000 queued: the consumed prefix is compacted away once more than 1024 and more than half
    // were taken (after the 1501st shift); the chunks after it must still come out once each.
    const queue = new ChunkQueue();
    for (const chunk of numbered(0, 3000)) queue.push(chunk);
    const expected = Array.from({ length: 3000 }, (_, i) => String(i));
    assert.deepEqual(shiftAll(queue, 1600), expected.slice(0, 1600));
    for (const chunk of numbered(3000, 2)) queue.push(chunk);
    assert.deepEqual(shiftAll(queue, 1402), [...expected.slice(1600), '3000', '3001']);
    assert.equal(queue.shift(), undefined);
  });

  test('takeAll hands over what was not shifted and leaves the queue empty', () => {
    const queue = new ChunkQueue();
    for (const chunk of numbered(0, 5)) queue.push(chunk);
    assert.deepEqual(shiftAll(queue, 2), ['0', '1']);
    assert.deepEqual(
      queue.takeAll().map((chunk) => chunk.data.toString()),
      ['2', '3', '4'],
    );
    assert.equal(queue.shift(), undefined);
    assert.deepEqual(queue.takeAll(), []);
    queue.push(numbered(9, 1)[0]!);
    assert.deepEqual(shiftAll(queue, 2), ['9', undefined]);
  });
});

describe('finishWriting: passing an end of stream on', () => {
  const opened: (() => void)[] = [];
  after(() => {
    for (const close of opened) close();
  });

  /** A loopback connection: `near` is the accepted end (half-open allowed, as the proxy's are). */
  const connectedPair = async (): Promise<{ near: net.Socket; far: net.Socket }> => {
    const server = net.createServer({ allowHalfOpen: true });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const accepted = once(server, 'connection') as Promise<[net.Socket]>;
    const far = net.connect({
      port: (server.address() as net.AddressInfo).port,
      host: '127.0.0.1',
      allowHalfOpen: true,
    });
    const [near] = await accepted;
    await once(far, 'connect');
    opened.push(() => {
      near.destroy();
      far.destroy();
      server.close();
    });
    return { near, far };
  };

  /** Everything `socket` reads until its end, and whether it closed with an error. */
  const readToClose = (socket: net.Socket) =>
    new Promise<{ text: string; hadError: boolean; errors: string[] }>((resolve) => {
      const chunks: Buffer[] = [];
      const errors: string[] = [];
      socket.on('data', (chunk: Buffer) => chunks.push(chunk));
      socket.on('error', (error: NodeJS.ErrnoException) => errors.push(error.code ?? error.message));
      socket.on('close', (hadError) => resolve({ text: Buffer.concat(chunks).toString(), hadError, errors }));
    });

  test('a TCP socket whose peer has ended and that holds no write is closed at once, and its peer reads an end, not a reset', async () => {
    const { near, far } = await connectedPair();
    near.resume();
    far.end('bye');
    await once(near, 'end');
    near.write('last words');
    assert.equal(near.writableLength, 0);
    const farSees = readToClose(far);
    assert.equal(finishWriting(near), true);
    assert.equal(near.destroyed, true);
    assert.deepEqual(await farSees, { text: 'last words', hadError: false, errors: [] });
  });

  test('a socket whose peer has not ended is half-closed: it still reads what the peer sends after', async () => {
    const { near, far } = await connectedPair();
    const nearReads = readToClose(near);
    const farEnded = once(far, 'end');
    far.resume();
    assert.equal(finishWriting(near), false);
    assert.equal(near.destroyed, false);
    assert.equal(near.writableEnded, true);
    await farEnded;
    far.end('after the FIN');
    assert.deepEqual(await nearReads, { text: 'after the FIN', hadError: false, errors: [] });
  });

  test('a socket that still holds writes ends after them: the peer reads every byte', async () => {
    const { near, far } = await connectedPair();
    near.resume();
    far.end();
    await once(near, 'end');
    const payload = Buffer.alloc(8 * 1024 * 1024, 'x');
    near.write(payload);
    assert.ok(near.writableLength > 0, 'the kernel did not take 8 MiB at once');
    const farSees = readToClose(far);
    assert.equal(finishWriting(near), false);
    assert.equal(near.destroyed, false);
    const seen = await farSees;
    assert.equal(seen.text.length, payload.length);
    assert.deepEqual(seen.errors, []);
  });

  test('a TLS socket ends, so its close_notify goes first, even when its peer has ended', async () => {
    const { near } = await connectedPair();
    const secure = new tls.TLSSocket(near);
    // Its own end would come after a handshake and the peer's close_notify; said here instead.
    Object.defineProperty(secure, 'readableEnded', { value: true });
    assert.equal(secure.encrypted, true);
    assert.equal(finishWriting(secure), false);
    assert.equal(secure.destroyed, false);
    assert.equal(secure.writableEnded, true);
    secure.destroy();
  });

  test('a stream that is not a socket (an in-process end) ends, even when its reading side has ended', async () => {
    const end = new PassThrough({ allowHalfOpen: true });
    end.push(null);
    end.resume();
    await once(end, 'end');
    assert.equal(finishWriting(end), false);
    assert.equal(end.destroyed, false);
    assert.equal(end.writableEnded, true);
  });

  test('a pipeline records whether the end of stream closed its destination or half-closed it', async () => {
    const halfClosed = rig();
    assert.equal(halfClosed.pipeline.closedDestination, false, 'nothing ended yet');
    halfClosed.source.emit('end');
    assert.equal(halfClosed.destination.ends, 1);
    assert.equal(halfClosed.pipeline.closedDestination, false);

    const { near, far } = await connectedPair();
    near.resume();
    far.end();
    await once(near, 'end');
    const source = new FakeSocket();
    const host: PipelineHost = {
      clock: new FakeClock(),
      random: alwaysApplies,
      budget: new HeldBudget(KIB * KIB),
      activity: () => undefined,
      closeLink: () => undefined,
      acted: () => undefined,
    };
    const pipeline = new Pipeline(
      'downstream',
      new SocketReader(),
      source as unknown as Socket,
      near,
      host,
      [],
    );
    source.emit('end');
    assert.equal(pipeline.closedDestination, true);
    assert.equal(near.destroyed, true);
  });
});

describe('afterWrites: a reset waits for the bytes already written', () => {
  /** A destination whose writes complete only when the test says so. */
  function slowDestination() {
    const pending: Array<() => void> = [];
    const destination = new Writable({
      highWaterMark: 1024,
      write: (_chunk, _encoding, done) => pending.push(() => done()),
    });
    return { destination: destination as unknown as PassThrough, pending };
  }

  test('a write below the high-water mark (no drain will come) is waited for, then `then` runs', async () => {
    const { destination, pending } = slowDestination();
    destination.write(Buffer.from('reply'));
    let called = false;
    afterWrites(destination, () => (called = true));
    await new Promise(setImmediate);
    assert.equal(called, false, 'the reply is still being written');
    while (pending.length > 0) pending.shift()!();
    await new Promise(setImmediate);
    assert.equal(called, true);
  });

  test('nothing written, or a destination gone: at once', () => {
    let calls = 0;
    afterWrites(new PassThrough(), () => calls++);
    const gone = slowDestination().destination;
    gone.write('x');
    gone.destroy();
    afterWrites(gone, () => calls++);
    assert.equal(calls, 2);
  });

  test('an ended destination that finishes and stays open (no close event) calls `then` once', async () => {
    const pending: Array<() => void> = [];
    const destination = new Writable({
      autoDestroy: false,
      write: (_chunk, _encoding, done) => pending.push(() => done()),
    }) as unknown as PassThrough;
    destination.end(Buffer.from('last'));
    let calls = 0;
    afterWrites(destination, () => calls++);
    while (pending.length > 0) pending.shift()!();
    await new Promise(setImmediate);
    assert.deepEqual([calls, destination.destroyed], [1, false]);
  });

  test('an ended destination destroyed before it finishes (no finish event) calls `then` once', async () => {
    const { destination } = slowDestination();
    destination.end(Buffer.from('last'));
    let calls = 0;
    afterWrites(destination, () => calls++);
    destination.destroy();
    await new Promise(setImmediate);
    assert.equal(calls, 1);
  });

  test('an ended destination is waited for until it finishes', async () => {
    const { destination, pending } = slowDestination();
    destination.end(Buffer.from('last'));
    let calls = 0;
    afterWrites(destination, () => calls++);
    while (pending.length > 0) pending.shift()!();
    await new Promise(setImmediate);
    assert.equal(calls, 1);
  });
});
