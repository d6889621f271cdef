import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Chunk } from '../src/proxy/chunk.js';
import { ChunkQueue } from '../src/proxy/chunk-queue.js';

/**
 * A stage's queue: first in, first out, and a toxic may put back in front what it will not handle
 * now (bandwidth's Go-sized reads), to be taken next. Chunks are named by their data.
 */
const chunk = (text: string, time = 0): Chunk => ({ data: Buffer.from(text), time });
const names = (chunks: Array<Chunk | undefined>) => chunks.map((one) => one?.data.toString());

/** Shifts until empty (bounded), naming what came out. */
function drain(queue: ChunkQueue): Array<string | undefined> {
  const out: Array<string | undefined> = [];
  for (let left = 5000; left > 0; left -= 1) {
    const next = queue.shift();
    if (next === undefined) break;
    out.push(next.data.toString());
  }
  return out;
}

function queueOf(...texts: string[]): ChunkQueue {
  const queue = new ChunkQueue();
  for (const text of texts) queue.push(chunk(text));
  return queue;
}

describe('ChunkQueue', () => {
  test('an empty queue has nothing to peek at, shift or take', () => {
    const queue = new ChunkQueue();
    assert.deepEqual([queue.peek(), queue.shift(), queue.takeAll()], [undefined, undefined, []]);
  });

  test('peek shows the chunk shift would give, and takes nothing', () => {
    const queue = queueOf('a', 'b');
    assert.deepEqual(names([queue.peek(), queue.peek(), queue.shift(), queue.peek(), queue.shift()]), [
      'a',
      'a',
      'a',
      'b',
      'b',
    ]);
    assert.equal(queue.peek(), undefined, 'nothing left once every chunk was shifted');
  });

  test('a chunk put back on a queue nothing was shifted from comes out first, the rest in order', () => {
    const queue = queueOf('b', 'c');
    queue.unshift(chunk('a'));
    assert.equal(queue.peek()?.data.toString(), 'a');
    assert.deepEqual(names(queue.takeAll()), ['a', 'b', 'c']);
  });

  test('a chunk put back after shifts comes out next, before what was behind it', () => {
    const queue = queueOf('a', 'b', 'c');
    const first = queue.shift();
    queue.unshift({ ...first!, data: Buffer.from('rest of a') });
    assert.deepEqual(names([queue.peek()]), ['rest of a']);
    assert.deepEqual(drain(queue), ['rest of a', 'b', 'c']);
  });

  test('takeAll after a put-back returns the put-back chunk and everything behind it, and empties the queue', () => {
    const queue = queueOf('a', 'b', 'c');
    queue.shift();
    queue.unshift(chunk('x'));
    assert.deepEqual(names(queue.takeAll()), ['x', 'b', 'c']);
    assert.deepEqual([queue.peek(), queue.shift()], [undefined, undefined]);
  });

  test('put back on an emptied queue, a chunk is the only one there', () => {
    const queue = queueOf('a');
    queue.shift();
    queue.unshift(chunk('again'));
    assert.deepEqual(drain(queue), ['again']);
  });

  test('several put back one after another come out last put back first', () => {
    const queue = queueOf('a', 'b', 'c');
    queue.shift();
    queue.shift();
    queue.unshift(chunk('y'));
    queue.unshift(chunk('x'));
    queue.unshift(chunk('w'));
    assert.deepEqual(drain(queue), ['w', 'x', 'y', 'c']);
  });

  test('the put-back chunk is kept as given: its data, time and flags', () => {
    const queue = queueOf('a');
    const back: Chunk = { data: Buffer.from('rest'), time: 42, readFilled: true };
    queue.unshift(back);
    assert.equal(queue.peek(), back);
    assert.equal(queue.shift(), back);
  });

  test('order holds across the compaction of a long consumed prefix, with chunks put back on either side of it', () => {
    const queue = new ChunkQueue();
    for (let index = 0; index < 3000; index += 1) queue.push(chunk(String(index)));
    for (let index = 0; index < 1600; index += 1) queue.shift();
    queue.unshift(chunk('back'));
    assert.deepEqual(names([queue.peek()]), ['back']);
    const out = drain(queue);
    assert.deepEqual(out.slice(0, 3), ['back', '1600', '1601']);
    assert.equal(out.length, 1401);
    assert.equal(out.at(-1), '2999');
  });
});
