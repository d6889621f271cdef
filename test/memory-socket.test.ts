import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, test } from 'node:test';
import { MemorySocket } from '../src/proxy/memory-socket.js';

function collect(socket: MemorySocket): { text: () => string } {
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  return { text: () => Buffer.concat(chunks).toString() };
}

describe('MemorySocket: an in-process connection', () => {
  test('what one end writes the other reads, in order, both ways', async () => {
    const [left, right] = MemorySocket.pair();
    const atRight = collect(right);
    const atLeft = collect(left);
    left.write('one ');
    left.write('two');
    right.write('back');
    left.end();
    right.end();
    await Promise.all([once(right, 'end'), once(left, 'end')]);
    assert.equal(atRight.text(), 'one two');
    assert.equal(atLeft.text(), 'back');
  });

  test('corked writes reach the reader as one chunk', async () => {
    const [left, right] = MemorySocket.pair();
    const chunks: string[] = [];
    right.on('data', (chunk: Buffer) => chunks.push(chunk.toString()));
    left.cork();
    left.write('HTTP/1.1 200 OK\r\n\r\n');
    left.write('body');
    left.uncork();
    left.end();
    await once(right, 'end');
    assert.deepEqual(chunks, ['HTTP/1.1 200 OK\r\n\r\nbody']);
  });

  test('a reader that stops reading holds the writer back, and nothing is lost', async () => {
    const [left, right] = MemorySocket.pair();
    right.pause();
    const piece = Buffer.alloc(1024, 'x');
    let accepted = 0;
    while (left.write(piece)) accepted += 1;
    assert.ok(accepted < 64, `the writer was held back after ${accepted} KiB, not let run`);
    assert.equal(left.writableNeedDrain, true);
    const drained = once(left, 'drain');
    let received = 0;
    right.on('data', (chunk: Buffer) => (received += chunk.length));
    right.resume();
    await drained;
    left.end();
    await once(right, 'end');
    assert.equal(received, (accepted + 1) * 1024);
  });

  test('a reader that pauses in its data handler gets nothing until it resumes, then the rest in order', async () => {
    const [left, right] = MemorySocket.pair();
    const seen: string[] = [];
    right.on('data', (chunk: Buffer) => {
      seen.push(chunk.toString());
      if (seen.length === 1) right.pause();
    });
    left.write('a');
    left.write('b');
    left.write('c');
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(seen, ['a']);
    right.resume();
    left.end();
    await once(right, 'end');
    assert.equal(seen.join(''), 'abc');
  });

  test('writes queued behind a paused reader arrive in order once it resumes', async () => {
    const [left, right] = MemorySocket.pair();
    right.pause();
    const pieces = Array.from({ length: 100 }, (_, index) => `${String(index).padStart(3, '0')}`.repeat(300));
    for (const piece of pieces) left.write(piece);
    assert.equal(left.writableNeedDrain, true);
    const atRight = collect(right);
    right.resume();
    left.end();
    await once(right, 'end');
    assert.equal(atRight.text(), pieces.join(''));
  });

  test('end() is a half-close: the peer reads the end and can still answer', async () => {
    const [left, right] = MemorySocket.pair();
    const atLeft = collect(left);
    right.resume();
    left.end('question');
    await once(right, 'end');
    right.end('answer');
    await once(left, 'end');
    assert.equal(atLeft.text(), 'answer');
  });

  test('destroy() closes the peer once it has read what was sent before', async () => {
    const [left, right] = MemorySocket.pair();
    right.pause();
    left.write('last words');
    left.destroy();
    const atRight = collect(right);
    const closed = once(right, 'close');
    right.resume();
    await closed;
    assert.equal(atRight.text(), 'last words');
    assert.equal(right.destroyed, true);
  });

  test('resetAndDestroy() is ECONNRESET at the peer', async () => {
    const [left, right] = MemorySocket.pair();
    const failed = once(right, 'error');
    left.resetAndDestroy();
    const [error] = (await failed) as [NodeJS.ErrnoException];
    assert.equal(error.code, 'ECONNRESET');
    assert.equal(left.destroyed, true);
    assert.equal(right.destroyed, true);
  });

  test('a buffer written to a flowing reader with nothing queued is read before write() returns', () => {
    const [left, right] = MemorySocket.pair();
    const received: Buffer[] = [];
    right.on('data', (chunk: Buffer) => received.push(chunk));
    const sent = Buffer.from('GET / HTTP/1.1\r\n\r\n');
    assert.equal(left.write(sent), true);
    assert.equal(received.length, 1);
    assert.equal(received[0], sent, 'the reader gets the very buffer written');
    assert.equal(left.writableLength, 0);
  });

  test('a write while the reader still holds earlier chunks waits behind them', async () => {
    const [left, right] = MemorySocket.pair();
    right.pause();
    left.write(Buffer.from('first '));
    const seen: string[] = [];
    right.on('data', (chunk: Buffer) => seen.push(chunk.toString()));
    right.resume();
    left.write(Buffer.from('second'));
    assert.deepEqual(seen, [], 'nothing overtook the chunk the reader held');
    left.end();
    await once(right, 'end');
    assert.equal(seen.join(''), 'first second');
  });

  test('a write with a callback calls it once the reader has the chunk', async () => {
    const [left, right] = MemorySocket.pair();
    const atRight = collect(right);
    let readWhenCalledBack = '';
    await new Promise<void>((resolve, reject) =>
      left.write(Buffer.from('ping'), (error) => {
        readWhenCalledBack = atRight.text();
        if (error) reject(error);
        else resolve();
      }),
    );
    assert.equal(readWhenCalledBack, 'ping');
  });

  test('corked strings reach the reader encoded as each was written, with the buffers between them', async () => {
    const [left, right] = MemorySocket.pair();
    const chunks: Buffer[] = [];
    right.on('data', (chunk: Buffer) => chunks.push(chunk));
    left.cork();
    left.write('é', 'utf8');
    left.write(Buffer.from([0x00, 0x01]));
    left.write('é', 'latin1');
    left.write('', 'latin1');
    left.uncork();
    left.end();
    await once(right, 'end');
    assert.equal(chunks.length, 1);
    assert.deepEqual([...chunks[0]!], [0xc3, 0xa9, 0x00, 0x01, 0xe9]);
  });

  test('a single string write reaches the reader in its encoding', async () => {
    const [left, right] = MemorySocket.pair();
    const chunks: Buffer[] = [];
    right.on('data', (chunk: Buffer) => chunks.push(chunk));
    left.end('é', 'latin1');
    await once(right, 'end');
    assert.deepEqual([...Buffer.concat(chunks)], [0xe9]);
  });

  test('writing a buffer to an end whose peer is gone fails with EPIPE', async () => {
    const [left, right] = MemorySocket.pair();
    right.on('data', () => undefined);
    right.destroy();
    const failed = once(left, 'error');
    assert.equal(left.write(Buffer.from('too late')), false);
    const [error] = (await failed) as [NodeJS.ErrnoException];
    assert.equal(error.code, 'EPIPE');
  });

  test('writing to an end whose peer is gone fails with EPIPE', async () => {
    const [left, right] = MemorySocket.pair();
    right.destroy();
    const failed = once(left, 'error');
    left.write('too late');
    const [error] = (await failed) as [NodeJS.ErrnoException];
    assert.equal(error.code, 'EPIPE');
  });
});
