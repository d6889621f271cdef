import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RECORD_BYTES, RecordReader } from '../src/proxy/record-reader.js';

const KIB = 1024;

/** True when both views start at the same byte of the same memory. */
const sameMemory = (a: Buffer, b: Buffer) => a.buffer === b.buffer && a.byteOffset === b.byteOffset;

/** Lets this turn's setImmediate callbacks run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

/** What Node does with one decrypted record: copies it into the reader's free space and calls back. */
function decrypt(reader: RecordReader, text: string): Buffer {
  const free = reader.options.buffer();
  const written = free.write(text);
  reader.options.callback(written);
  return free;
}

/** A record of `size` bytes of `fill`, as Node hands it over, split where the free space ends. */
function decryptBytes(reader: RecordReader, size: number, fill = 'x'): void {
  let left = size;
  while (left > 0) {
    const free = reader.options.buffer();
    const piece = Math.min(left, free.length);
    free.fill(fill, 0, piece);
    reader.options.callback(piece);
    left -= piece;
  }
}

/** A reader whose consumer copies each view it is handed (as text and as its size). */
function collecting(): { reader: RecordReader; views: string[]; sizes: number[] } {
  const reader = new RecordReader();
  const views: string[] = [];
  const sizes: number[] = [];
  reader.onData = (view) => {
    views.push(view.toString());
    sizes.push(view.length);
  };
  return { reader, views, sizes };
}

/** Grows the reader's buffer to its largest (256 KiB) with records that fill it, and empties it. */
function grown(): { reader: RecordReader; views: string[]; sizes: number[] } {
  const made = collecting();
  for (let size = 2 * KIB; size < 256 * KIB; size *= 2) decryptBytes(made.reader, size);
  made.reader.flush();
  made.views.length = 0;
  made.sizes.length = 0;
  return made;
}

describe('RecordReader', () => {
  test('every read answers true, so net keeps reading: false would stop the socket (readStop)', () => {
    const { reader } = collecting();
    const answers: boolean[] = [];
    for (const size of [100, RECORD_BYTES, 3 * RECORD_BYTES]) {
      const free = reader.options.buffer();
      const piece = Math.min(size, free.length);
      free.fill('r', 0, piece);
      answers.push(reader.options.callback(piece));
    }
    assert.deepEqual(answers, [true, true, true]);
  });

  test('records read in one turn reach the consumer together, in order, once the turn is over', async () => {
    const { reader, views } = grown();
    decrypt(reader, 'one ');
    decrypt(reader, 'two ');
    decrypt(reader, 'three');
    assert.deepEqual(views, []);
    await settle();
    assert.deepEqual(views, ['one two three']);
    await settle();
    assert.deepEqual(views, ['one two three'], 'a turn with nothing new hands on nothing');
  });

  test('the next turn hands on only what it read, after what the last one handed on', async () => {
    const { reader, views } = grown();
    decrypt(reader, 'first');
    await settle();
    const free = decrypt(reader, 'second');
    await settle();
    assert.deepEqual(views, ['first', 'second']);
    assert.equal(free.byteOffset, 'first'.length, 'read on after the bytes handed on, not over them');
  });

  test('flush hands on at once; with nothing read it calls no one', () => {
    const { reader, views } = grown();
    reader.flush();
    assert.deepEqual(views, []);
    decrypt(reader, 'now');
    reader.flush();
    assert.deepEqual(views, ['now']);
  });

  test('a buffer without room for a whole record is handed on at once and read on from its start', () => {
    const { reader, sizes } = grown();
    const first = reader.options.buffer();
    for (let record = 0; record < 15; record++) decryptBytes(reader, RECORD_BYTES);
    assert.deepEqual(sizes, [], 'room for one more record: it waits for the turn to end');
    decryptBytes(reader, RECORD_BYTES - 1);
    assert.deepEqual(sizes, [256 * KIB - 1], 'one byte left: handed on without waiting');
    const next = reader.options.buffer();
    assert.ok(sameMemory(next, first), 'the same memory again: nothing kept a view of it');
    assert.equal(next.length, 256 * KIB);
  });

  test('the buffer starts at 2 KiB and doubles each time a read fills it, up to 256 KiB', () => {
    const { reader } = collecting();
    const lengths = [reader.options.buffer().length];
    for (let size = 2 * KIB; size <= 512 * KIB; size *= 2) {
      decryptBytes(reader, size);
      lengths.push(reader.options.buffer().length);
    }
    assert.deepEqual(
      lengths.map((length) => length / KIB),
      [2, 4, 8, 16, 32, 64, 128, 256, 256, 256],
    );
  });

  test('a small buffer a read does not fill keeps its size and hands each read on at once', () => {
    const { reader, views } = collecting();
    const first = reader.options.buffer();
    decrypt(reader, 'a');
    decrypt(reader, 'b');
    assert.deepEqual(views, ['a', 'b']);
    assert.ok(sameMemory(reader.options.buffer(), first));
    assert.equal(reader.options.buffer().length, 2 * KIB);
  });

  test('a view the consumer kept is never written over: the reader moves to a fresh buffer', () => {
    const reader = new RecordReader();
    const kept: Buffer[] = [];
    reader.onData = (view) => {
      kept.push(view);
      reader.retain();
    };
    const first = decrypt(reader, 'kept');
    reader.flush();
    decryptBytes(reader, 2 * KIB - 'kept'.length - 1, 'y');
    assert.equal(sameMemory(reader.options.buffer(), first), false);
    decrypt(reader, 'zzzz');
    assert.deepEqual(
      kept.map((view) => view.toString()),
      ['kept', 'y'.repeat(2 * KIB - 5), 'zzzz'],
    );
  });

  test('after a kept view the next buffer is reused again once nothing keeps it', () => {
    const { reader } = collecting();
    reader.retain();
    decrypt(reader, 'a');
    const fresh = reader.options.buffer();
    decrypt(reader, 'b');
    assert.ok(sameMemory(reader.options.buffer(), fresh));
  });

  test('what is read before a consumer is attached waits, in order, and reaches it after that turn', async () => {
    const reader = new RecordReader();
    assert.doesNotThrow(() => reader.onData(Buffer.from('nobody listens')));
    decryptBytes(reader, 2 * KIB, 'a');
    decrypt(reader, 'bb');
    decrypt(reader, 'cc');
    await settle();
    const views: string[] = [];
    reader.onData = (view) => views.push(view.toString());
    assert.deepEqual(views, [], 'handed on after the turn that attached it');
    await settle();
    assert.deepEqual(views, ['a'.repeat(2 * KIB), 'bb', 'cc']);
  });

  test('a flush before a consumer is attached keeps what was read for it', async () => {
    const reader = new RecordReader();
    decryptBytes(reader, 2 * KIB, 'a');
    decrypt(reader, 'bb');
    assert.doesNotThrow(() => reader.flush());
    const views: string[] = [];
    reader.onData = (view) => views.push(view.toString());
    reader.flush();
    assert.deepEqual(views, ['a'.repeat(2 * KIB), 'bb']);
  });

  test('attaching a consumer with nothing read hands on nothing', async () => {
    const reader = new RecordReader();
    let calls = 0;
    reader.onData = () => (calls += 1);
    await settle();
    reader.flush();
    assert.equal(calls, 0);
  });

  test('a record larger than the free space arrives in pieces, in order', () => {
    const { reader, views } = collecting();
    decryptBytes(reader, 3 * KIB, 'p');
    reader.flush();
    assert.equal(views.join(''), 'p'.repeat(3 * KIB));
    assert.deepEqual(
      views.map((view) => view.length),
      [2 * KIB, KIB],
    );
  });
});
