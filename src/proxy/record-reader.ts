import { LARGEST, type Reader, SMALLEST } from './socket-reader.js';

/** The most plaintext one TLS record carries. */
export const RECORD_BYTES = 16 * 1024;

const nobody = (): void => undefined;

/**
 * Reads a TLS socket's plaintext into one buffer, record after record, and hands on what one
 * turn of the event loop read as one view: Node decrypts each record of at most 16 KiB into the
 * next free part of the buffer (net's `onread`, which it also honours on TLS sockets), and the
 * consumer gets them together once the turn's reads are done (setImmediate), or at once when the
 * buffer has no room left for another record. No buffer is allocated per record, no Readable
 * stream is pushed to, and the upstream gets one write per turn, not one per record.
 *
 * The buffer starts at 2 KiB (a record then arrives in pieces) and doubles whenever it fills, up
 * to 256 KiB. A consumer that keeps a view it was handed (a write the kernel did not take at once)
 * calls `retain()`; the reader then never writes over it, and starts a fresh buffer when it would.
 * What arrives before a consumer is attached is held and handed on once one is.
 */
export class RecordReader implements Reader {
  private consumer: ((view: Buffer) => void) | undefined;
  private buffer = Buffer.allocUnsafe(SMALLEST);
  /** Bytes before `start` were handed on; those from `start` to `end` wait for the next flush. */
  private start = 0;
  private end = 0;
  /** Views that filled a buffer while no consumer was attached, oldest first. */
  private held: Buffer[] = [];
  private retained = false;
  private flushQueued = false;

  get onData(): (view: Buffer) => void {
    return this.consumer ?? nobody;
  }

  /** Attaches the consumer; what was read before it was is handed on after this turn. */
  set onData(consumer: (view: Buffer) => void) {
    this.consumer = consumer;
    if (this.held.length > 0 || this.end > this.start) this.queueFlush();
  }

  retain(): void {
    this.retained = true;
  }

  /** Hands on now what was read and not yet handed on (before the source's end is passed on). */
  flush(): void {
    const consumer = this.consumer;
    if (!consumer) return;
    for (const view of this.held.splice(0)) consumer(view);
    if (this.end === this.start) return;
    const view = this.buffer.subarray(this.start, this.end);
    this.start = this.end;
    consumer(view);
  }

  readonly options = {
    buffer: (): Buffer => this.buffer.subarray(this.end),
    callback: (bytes: number): boolean => {
      this.end += bytes;
      if (this.buffer.length - this.end < RECORD_BYTES) this.nextBuffer();
      else this.queueFlush();
      return true;
    },
  };

  /**
   * The buffer has no room for a whole record: hands on what it holds and reads on into the same
   * buffer from its start, or into a new one when a view of it was kept or a read filled it.
   */
  private nextBuffer(): void {
    const filled = this.end === this.buffer.length;
    if (this.consumer) this.flush();
    else {
      this.held.push(this.buffer.subarray(this.start, this.end));
      this.retained = true;
    }
    const size = filled ? Math.min(this.buffer.length * 2, LARGEST) : this.buffer.length;
    if (this.retained || size !== this.buffer.length) this.buffer = Buffer.allocUnsafe(size);
    this.start = this.end = 0;
    this.retained = false;
  }

  private queueFlush(): void {
    if (this.flushQueued) return;
    this.flushQueued = true;
    setImmediate(this.flushQueuedViews);
  }

  private readonly flushQueuedViews = (): void => {
    this.flushQueued = false;
    this.flush();
  };
}
