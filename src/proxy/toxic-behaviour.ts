import type { Clock } from '../model/clock.js';
import type { RandomSource } from '../model/random.js';
import type { IntegerAttributes } from '../model/toxics/index.js';
import type { Chunk } from './chunk.js';

/** How a link may be closed by a toxic: a graceful FIN after pending data, or an RST. */
export type CloseMode = 'end' | 'reset';

/** What a running toxic may see and do on one direction of one connection. */
export interface ToxicContext {
  /** Live: an update replaces them between interruptions. */
  readonly attributes: IntegerAttributes;
  readonly clock: Clock;
  readonly random: RandomSource;
  /** Aborted when the toxic is interrupted (update, removal, connection closed). */
  readonly signal: AbortSignal;
  push(chunk: Chunk): void;
  /** Returns bytes the toxic will not handle now to the front of its queue: it gets them next. */
  putBack(chunk: Chunk): void;
  /**
   * Takes, from the front of the toxic's queue, up to `maxBytes` of the chunks `joins` accepts,
   * stopping at the first it refuses; a chunk is split at the limit and its rest stays queued.
   */
  takeQueued(maxBytes: number, joins: (next: Chunk) => boolean): Buffer[];
  /** Accounts for bytes the toxic throws away, so flow control stays right. */
  discard(bytes: number): void;
  closeLink(mode: CloseMode): void;
  /** The value of a choice attribute (e.g. limit_time's mode); `attributes` holds the integers. */
  choice(name: string): string | undefined;
  /** Records that the toxic acted on this connection (metrics and events). */
  acted(action: string): void;
  /**
   * Toxics that push many pieces per chunk call this between pieces: undefined means go on; a
   * promise means wait for it, because the destination is backed up or the event loop is due
   * to serve other sockets (and the control API). It settles early when `signal` aborts.
   */
  ready(): Promise<void> | undefined;
}

/**
 * The transform contract. Chunks arrive one at a time, in order; the next one waits until the
 * returned promise settles. When `signal` aborts, the toxic must push whatever it holds at once
 * and return: bytes are never dropped by an interruption.
 */
export interface ToxicBehaviour {
  /** Called when the toxic starts (or restarts after an update) on a connection. */
  start?(): void;
  chunk(chunk: Chunk): void | Promise<void>;
  /** The input reached EOF; the close passes on once this settles. */
  end?(): void | Promise<void>;
  /** Called when the toxic is removed from a live connection; "close" closes the connection. */
  removed?(): 'close' | undefined;
}

/** What a toxic that acts when a connection starts may see, before the upstream is dialled. */
export interface ConnectContext {
  readonly attributes: IntegerAttributes;
  readonly clock: Clock;
  /** Aborted when the toxic is updated or removed, the client leaves or the proxy stops. */
  readonly signal: AbortSignal;
  acted(action: string): void;
}

/** "refuse" resets the client at once; the upstream is never dialled. */
export type ConnectVerdict = 'pass' | 'refuse';

export interface ToxicImplementation {
  /** How many bytes this toxic may hold back per connection before the source is paused. */
  readonly bufferBytes?: number;
  /** Runs for each new connection the toxic applies to, before the upstream is dialled. */
  readonly connect?: (context: ConnectContext) => ConnectVerdict | Promise<ConnectVerdict>;
  /** Absent for toxics that act only at connect: they add no stage, so data keeps the fast path. */
  readonly create?: (context: ToxicContext) => ToxicBehaviour;
}
