import type { Clock } from '../model/clock.js';
import type { RandomSource } from '../model/random.js';
import type { IntegerAttributes } from '../model/toxics/index.js';
import type { ToxicSpec } from '../model/toxic.js';
import type { Chunk, Receiver } from './chunk.js';
import { ChunkQueue } from './chunk-queue.js';
import type { CloseMode, ToxicBehaviour, ToxicContext } from './toxic-behaviour.js';
import { connectionImplementation } from './toxics/index.js';

export interface StageHost {
  readonly clock: Clock;
  discard(bytes: number): void;
  closeLink(mode: CloseMode): void;
  acted(toxic: ToxicSpec, action: string, first: boolean): void;
  /** Whether the toxic's match and counters select this connection; asked when it starts or changes. */
  selects?(toxic: ToxicSpec): boolean;
  /** Undefined when work may go on; otherwise resolves when it may (or `signal` aborts). */
  ready(signal: AbortSignal): Promise<void> | undefined;
}

/**
 * One toxic running on one direction of one connection. Chunks queue here and pass through the
 * toxic one at a time, in order. Whether the toxic applies at all on this connection is decided
 * (counters, then a `toxicity` roll) when it starts and again when it is updated.
 */
export class Stage implements Receiver {
  next: Receiver;
  spec: ToxicSpec;
  private readonly queue = new ChunkQueue();
  private readonly behaviour: ToxicBehaviour;
  private readonly random: RandomSource;
  private controller = new AbortController();
  private active: boolean;
  private paused = false;
  private ended = false;
  /** The input was closed by a toxic before this one, not ended by EOF. */
  private closedBefore = false;
  /** The source was reset: the end passes on as a reset. */
  private resetBefore = false;
  private endPassed = false;
  /** This toxic closed the stream: what reaches it from now on is thrown away. */
  private closedStream = false;
  private hasActed = false;
  private busy = false;
  private running: Promise<void> = Promise.resolve();

  constructor(
    spec: ToxicSpec,
    next: Receiver,
    random: RandomSource,
    private readonly host: StageHost,
  ) {
    this.spec = spec;
    this.next = next;
    this.random = random;
    const currentSpec = () => this.spec;
    const currentSignal = () => this.controller.signal;
    const context: ToxicContext = {
      get attributes() {
        // Connection toxics define integer attributes only (see model/toxics).
        return currentSpec().attributes as IntegerAttributes;
      },
      get signal() {
        return currentSignal();
      },
      clock: host.clock,
      random,
      push: (chunk) => this.next.accept(chunk),
      putBack: (chunk) => this.queue.unshift(chunk),
      takeQueued: (maxBytes, joins) => this.takeQueued(maxBytes, joins),
      discard: (bytes) => host.discard(bytes),
      closeLink: (mode) => (mode === 'end' ? this.closeStream() : host.closeLink(mode)),
      ready: () => host.ready(currentSignal()),
      choice: (name) => {
        const value = currentSpec().attributes[name];
        return typeof value === 'string' ? value : undefined;
      },
      acted: (action) => {
        host.acted(this.spec, action, !this.hasActed);
        this.hasActed = true;
      },
    };
    const create = connectionImplementation(spec).create;
    this.behaviour = create ? create(context) : { chunk: (chunk) => context.push(chunk) };
    this.active = this.begin();
  }

  accept(chunk: Chunk): void {
    this.queue.push(chunk);
    this.kick();
  }

  end(): void {
    this.ended = true;
    this.kick();
  }

  /** A close that comes after the end was passed on follows it at once, as a reset does. */
  finish(): void {
    if (this.endPassed) {
      if (!this.closedStream) this.next.finish();
      return;
    }
    this.ended = true;
    this.closedBefore = true;
    this.kick();
  }

  /** Like end(); a reset that comes after the end was passed on follows it at once. */
  reset(): void {
    if (this.endPassed) {
      if (!this.closedStream) this.next.reset();
      return;
    }
    this.ended = true;
    this.resetBefore = true;
    this.kick();
  }

  /** Stops the toxic at the next chunk boundary; what it holds is pushed on at once. */
  async interrupt(): Promise<void> {
    this.paused = true;
    this.controller.abort();
    await this.running;
  }

  /** Continues after an interruption with new settings, rolling toxicity again. */
  resume(spec: ToxicSpec): void {
    this.spec = spec;
    this.controller = new AbortController();
    this.paused = false;
    this.active = this.begin();
    this.kick();
  }

  /** Hands queued chunks (and a pending end) to the next receiver; used when the stage is removed. */
  flushInto(next: Receiver): 'close' | undefined {
    for (const chunk of this.queue.takeAll()) this.pass(chunk, next);
    if (this.ended) this.passEnd(next);
    return this.active ? this.behaviour.removed?.() : undefined;
  }

  dispose(): void {
    this.paused = true;
    this.controller.abort();
    this.queue.takeAll();
  }

  private takeQueued(maxBytes: number, joins: (next: Chunk) => boolean): Buffer[] {
    const taken: Buffer[] = [];
    let room = maxBytes;
    for (let next = this.queue.peek(); next && room > 0 && joins(next); next = this.queue.peek()) {
      this.queue.shift();
      const data = next.data.length > room ? next.data.subarray(0, room) : next.data;
      // The rest is the end of the same read: it keeps its time and whether the read filled its buffer.
      if (data !== next.data) this.queue.unshift({ ...next, data: next.data.subarray(room) });
      taken.push(data);
      room -= data.length;
    }
    return taken;
  }

  /** Passes a chunk the toxic does not see: on, or away once the toxic has closed the stream. */
  private pass(chunk: Chunk, next: Receiver): void {
    if (this.closedStream) this.host.discard(chunk.data.length);
    else next.accept(chunk);
  }

  /**
   * The toxic closed its stream gracefully: the rest of the chain gets what was pushed before,
   * then the close; bytes that reach this toxic afterwards are dropped.
   */
  private closeStream(): void {
    this.closedStream = true;
    this.passEnd(this.next);
  }

  /**
   * Passes the end on, once: a reset if the source was reset, a close if a toxic closed the
   * stream here or before, else an EOF.
   */
  private passEnd(next: Receiver): void {
    if (this.endPassed) return;
    this.endPassed = true;
    if (this.resetBefore) next.reset();
    else if (this.closedStream || this.closedBefore) next.finish();
    else next.end();
  }

  /**
   * Asks the host's match and counters, then rolls toxicity among the connections they pick (as
   * request toxics do); starts the toxic if it applies.
   */
  private begin(): boolean {
    const roll = this.random.next();
    const active = (this.host.selects?.(this.spec) ?? true) && roll < this.spec.toxicity;
    if (active) this.behaviour.start?.();
    return active;
  }

  private kick(): void {
    if (!this.busy && !this.paused) this.running = this.run();
  }

  private async run(): Promise<void> {
    this.busy = true;
    try {
      let chunk = this.queue.shift();
      while (chunk !== undefined) {
        if (this.closedStream || !this.active) this.pass(chunk, this.next);
        else {
          const pending = this.behaviour.chunk(chunk);
          if (pending) await pending;
        }
        const ready = this.host.ready(this.controller.signal);
        if (ready) await ready;
        if (this.paused) return;
        chunk = this.queue.shift();
      }
      if (this.ended && !this.endPassed) {
        if (this.active && this.behaviour.end) await this.behaviour.end();
        // Updated while holding the end (a slow_close's delay): it holds it again, as updated.
        if (this.paused) return;
        this.passEnd(this.next);
      }
    } finally {
      this.busy = false;
    }
  }
}
