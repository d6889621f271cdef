import { Duplex } from 'node:stream';
import type { KeepsChunks } from './pipeline.js';

/**
 * One end of a connection that never leaves the process: what one end writes, the other reads,
 * with back-pressure (a write completes once the reading end has room) and TCP's way of ending:
 * `end()` is a FIN the peer reads after the data before it, `destroy()` closes both ends once the
 * peer has read what was already sent, `resetAndDestroy()` is an RST the peer sees as ECONNRESET.
 * An http proxy's links end in one, and node:http serves the other end, which saves each request
 * the kernel round trip of a loopback connection.
 */
export class MemorySocket extends Duplex implements KeepsChunks {
  /** The reading end gets the very buffers written (node:http keeps slices of them as bodies). */
  readonly keepsWrittenChunks = true;
  private peer!: MemorySocket;
  private blockedWrite: (() => void) | undefined;
  private resetting = false;
  private reading = false;

  private constructor() {
    // Strings stay strings until they are delivered: a corked head and body are copied once.
    super({ allowHalfOpen: true, decodeStrings: false });
  }

  /** Two connected ends. */
  static pair(): [MemorySocket, MemorySocket] {
    const one = new MemorySocket();
    const other = new MemorySocket();
    one.peer = other;
    other.peer = one;
    return [one, other];
  }

  /** node:http's way to close after its last answer: the FIN goes after what is written, then both ends close. */
  destroySoon(): void {
    if (this.writable) this.end();
    if (this.writableFinished) this.destroy();
    else this.once('finish', () => this.destroy());
  }

  resetAndDestroy(): this {
    this.resetting = true;
    return this.destroy();
  }

  /**
   * A chunk the reader takes at once skips the Writable's bookkeeping: no write state, no
   * callback queued for the next tick. A link writes each read so, and no callback waits on it.
   * Anything else (a callback, a corked or busy stream, a reader that would buffer) goes the
   * Writable's way, in order behind what is queued.
   */
  override write(
    chunk: unknown,
    encoding?: BufferEncoding | ((error: Error | null | undefined) => void),
    callback?: (error: Error | null | undefined) => void,
  ): boolean {
    if (
      callback === undefined &&
      encoding === undefined &&
      chunk instanceof Buffer &&
      this.writable &&
      this.writableLength === 0 &&
      this.writableCorked === 0 &&
      this.peer.takesAtOnce()
    ) {
      this.peer.emit('data', chunk);
      return true;
    }
    return super.write(chunk, encoding as BufferEncoding, callback);
  }

  override _write(
    chunk: Buffer | string,
    encoding: BufferEncoding,
    done: (error?: Error | null) => void,
  ): void {
    this.deliver(typeof chunk === 'string' ? Buffer.from(chunk, encoding) : chunk, done);
  }

  /** A corked head and body reach the reader as one chunk, as they would in one TCP segment. */
  override _writev(
    chunks: Array<{ chunk: Buffer | string; encoding: BufferEncoding }>,
    done: (error?: Error | null) => void,
  ): void {
    if (chunks.length === 1) {
      this._write(chunks[0]!.chunk, chunks[0]!.encoding, done);
      return;
    }
    this.deliver(joined(chunks), done);
  }

  override _read(): void {
    const blocked = this.peer.blockedWrite;
    if (blocked === undefined) return;
    this.peer.blockedWrite = undefined;
    this.reading = true;
    try {
      blocked();
    } finally {
      this.reading = false;
    }
  }

  override _final(done: (error?: Error | null) => void): void {
    if (!this.peer.destroyed) this.peer.push(null);
    done();
  }

  override _destroy(error: Error | null, done: (error?: Error | null) => void): void {
    const peer = this.peer;
    const blocked = this.blockedWrite;
    this.blockedWrite = undefined;
    blocked?.();
    if (!peer.destroyed) {
      if (error || this.resetting) peer.destroy(connectionReset());
      else peer.closeAfterReading();
    }
    done(error);
  }

  private deliver(chunk: Buffer, done: (error?: Error | null) => void): void {
    if (this.peer.destroyed || this.peer.readableEnded) {
      done(brokenPipe());
      return;
    }
    if (this.peer.takesAtOnce()) {
      this.peer.emit('data', chunk);
      done();
    } else if (this.peer.push(chunk)) done();
    else this.blockedWrite = done;
  }

  /**
   * Flowing, nothing buffered, a reader listening and no read under way: `push` would hand the
   * chunk straight to 'data', then schedule a read-ahead (a tick, read(0), _read) that finds
   * nothing, twice per proxied request. The chunk goes to 'data' without them.
   */
  private takesAtOnce(): boolean {
    return (
      !this.destroyed &&
      !this.readableEnded &&
      this.readableFlowing === true &&
      this.readableLength === 0 &&
      !this.reading &&
      this.listenerCount('data') > 0
    );
  }

  /**
   * The peer closed: what it sent is still read, then this end finishes its side too and closes,
   * so a reader sees both directions ended, as after a TCP close, not an abrupt loss.
   */
  private closeAfterReading(): void {
    if (this.readableEnded) {
      this.destroySoon();
      return;
    }
    this.push(null);
    this.once('end', () => this.destroySoon());
    if (this.readableLength === 0 && !this.readableFlowing) this.resume();
  }
}

/** The chunks in one buffer, strings encoded straight into it: one copy of each. */
function joined(chunks: Array<{ chunk: Buffer | string; encoding: BufferEncoding }>): Buffer {
  let size = 0;
  for (const { chunk, encoding } of chunks)
    size += typeof chunk === 'string' ? Buffer.byteLength(chunk, encoding) : chunk.length;
  const whole = Buffer.allocUnsafe(size);
  let offset = 0;
  for (const { chunk, encoding } of chunks)
    offset += typeof chunk === 'string' ? whole.write(chunk, offset, encoding) : chunk.copy(whole, offset);
  return whole;
}

function connectionReset(): NodeJS.ErrnoException {
  return Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET', errno: -104, syscall: 'read' });
}

function brokenPipe(): NodeJS.ErrnoException {
  return Object.assign(new Error('write EPIPE'), { code: 'EPIPE', errno: -32, syscall: 'write' });
}
