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
    super({ allowHalfOpen: true, decodeStrings: true });
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

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    this.deliver(chunk, done);
  }

  /** A corked head and body reach the reader as one chunk, as they would in one TCP segment. */
  override _writev(chunks: Array<{ chunk: Buffer }>, done: (error?: Error | null) => void): void {
    this.deliver(
      chunks.length === 1 ? chunks[0]!.chunk : Buffer.concat(chunks.map(({ chunk }) => chunk)),
      done,
    );
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

function connectionReset(): NodeJS.ErrnoException {
  return Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET', errno: -104, syscall: 'read' });
}

function brokenPipe(): NodeJS.ErrnoException {
  return Object.assign(new Error('write EPIPE'), { code: 'EPIPE', errno: -32, syscall: 'write' });
}
