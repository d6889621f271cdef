import type { Duplex } from 'node:stream';
import type { Clock } from '../model/clock.js';
import type { RandomSource } from '../model/random.js';
import type { ConnectionToxicSpec, Stream } from '../model/toxic.js';
import type { Chunk, Receiver } from './chunk.js';
import { yieldIfDue } from './cooperate.js';
import { afterWrites, finishWriting } from './finish-writing.js';
import type { HeldBudget } from './held-budget.js';
import type { Reader } from './socket-reader.js';
import { Stage, type StageHost } from './stage.js';
import { connectionImplementation } from './toxics/index.js';

export interface PipelineHost extends Omit<StageHost, 'discard' | 'ready'> {
  readonly clock: Clock;
  readonly random: RandomSource;
  /** Shared by every pipeline of the engine. */
  readonly budget: HeldBudget;
  /** Called on every read, to keep the busy-poll window open. */
  activity(): void;
}

/** A destination that holds on to the buffers written to it, rather than copying them. */
export interface KeepsChunks {
  readonly keepsWrittenChunks: true;
}

/** Bytes a chain may hold before the source is paused, on top of what its toxics ask for. */
const BASE_BUFFER_BYTES = 256 * 1024;

/** While the engine's held-bytes budget is spent, each chain still moves this much at a time. */
const WINDOW_WHEN_BUDGET_FULL = 64 * 1024;

/**
 * One direction of a connection: source socket → toxic stages → destination socket.
 * With no toxics, reads are written straight out (the fast path). Chain changes are serialized
 * and never lose, duplicate or reorder a byte: a removed stage is interrupted, pushes what it
 * holds, hands over its queue, and only then is unlinked.
 */
export class Pipeline {
  readonly stats = { received: 0, sent: 0 };
  /** The end of stream closed the destination (finish-writing.ts) rather than half-closing it. */
  closedDestination = false;
  private stages: Stage[] = [];
  private head: Receiver;
  private inflight = 0;
  private limit = BASE_BUFFER_BYTES;
  private sourcePaused = false;
  private closed = false;
  private mutations: Promise<void> = Promise.resolve();
  private readonly stageHost: StageHost;
  private readonly reader: Reader;
  private roomForWrites: Promise<void> | undefined;
  /** A socket copies what it is given unless the write waits; an in-process end keeps every chunk. */
  private readonly keepsWrittenViews: boolean;
  private readonly sink: Receiver = {
    accept: (chunk: Chunk) => {
      this.writeOut(chunk.data);
      this.release(chunk.data.length);
    },
    end: () => {
      if (!this.closed && !this.destination.destroyed)
        this.closedDestination = finishWriting(this.destination);
    },
    finish: () => this.host.closeLink('end'),
    reset: () => afterWrites(this.destination, () => this.host.closeLink('reset')),
  };

  constructor(
    readonly stream: Stream,
    reader: Reader,
    private readonly source: Duplex,
    private readonly destination: Duplex,
    private readonly host: PipelineHost,
    toxics: readonly ConnectionToxicSpec[],
  ) {
    this.head = this.sink;
    this.keepsWrittenViews = (destination as Partial<KeepsChunks>).keepsWrittenChunks === true;
    this.stageHost = {
      clock: host.clock,
      discard: (bytes) => this.discard(bytes),
      closeLink: (mode) => host.closeLink(mode),
      acted: (toxic, action, first) => host.acted(toxic, action, first),
      selects: (toxic) => host.selects?.(toxic) !== false,
      ready: (signal) => this.ready(signal),
    };
    for (const spec of toxics) this.appendStage(spec);
    this.reader = reader;
    reader.onData = this.onData;
    source.on('end', () => {
      if (this.closed) return;
      // A TLS reader may still hold this turn's last records.
      this.reader.flush();
      this.head.end();
    });
    destination.on('drain', () => this.maybeResume());
  }

  addToxic(spec: ConnectionToxicSpec): Promise<void> {
    return this.mutate(() => this.appendStage(spec));
  }

  updateToxic(spec: ConnectionToxicSpec): Promise<void> {
    return this.mutate(async () => {
      const stage = this.stages.find((candidate) => candidate.spec.name === spec.name);
      if (!stage) return;
      await stage.interrupt();
      stage.resume(spec);
    });
  }

  removeToxic(name: string): Promise<void> {
    return this.mutate(async () => {
      const stage = this.stages.find((candidate) => candidate.spec.name === name);
      if (!stage) return;
      await stage.interrupt();
      const index = this.stages.indexOf(stage);
      const verdict = stage.flushInto(stage.next);
      const previous = this.stages[index - 1];
      if (previous) previous.next = stage.next;
      else this.head = stage.next;
      this.stages.splice(index, 1);
      stage.dispose();
      this.updateLimit();
      if (verdict === 'close') this.host.closeLink('end');
    });
  }

  /** The source failed: what the toxics hold passes on, then the link closes. */
  finish(): void {
    if (this.closed) return;
    this.reader.flush();
    this.head.finish();
  }

  /** The source was reset: what the toxics hold passes on, then the destination is reset. */
  reset(): void {
    if (this.closed) return;
    this.reader.flush();
    this.head.reset();
  }

  /** Stops moving data; pending chunks are dropped because the connection is going away. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.reader.onData = () => undefined;
    this.host.budget.release(this.inflight);
    this.host.budget.forget(this.wake);
    this.inflight = 0;
    for (const stage of this.stages) stage.dispose();
  }

  discard(bytes: number): void {
    this.release(bytes);
  }

  /** Bytes left the chain (written out or thrown away by a toxic). */
  private release(bytes: number): void {
    if (this.closed) return;
    this.inflight -= bytes;
    this.host.budget.release(bytes);
    this.maybeResume();
  }

  private readonly wake = (): void => this.maybeResume();

  /**
   * Between chunks (and between the pieces of one), a stage waits while the destination socket
   * is backed up, so a toxic that makes many small writes cannot queue them in memory; and it
   * lets the event loop serve other sockets once this iteration's slice is spent.
   */
  private ready(signal: AbortSignal): Promise<void> | undefined {
    const wait = this.waitForRoom() ?? yieldIfDue();
    if (wait === undefined || signal.aborted) return undefined;
    return new Promise<void>((resolve) => {
      const done = () => {
        signal.removeEventListener('abort', done);
        resolve();
      };
      signal.addEventListener('abort', done);
      void wait.then(done);
    });
  }

  private waitForRoom(): Promise<void> | undefined {
    if (this.closed || this.destination.destroyed || !this.destination.writableNeedDrain) return undefined;
    this.roomForWrites ??= new Promise<void>((resolve) => {
      const done = () => {
        this.destination.off('drain', done);
        this.destination.off('close', done);
        this.roomForWrites = undefined;
        resolve();
      };
      this.destination.on('drain', done);
      this.destination.on('close', done);
    });
    return this.roomForWrites;
  }

  private readonly onData = (data: Buffer, filled?: boolean): void => {
    this.stats.received += data.length;
    this.host.activity();
    if (this.head === this.sink) {
      this.writeOut(data);
      if (this.keepsWrittenViews || this.destination.writableLength > 0) this.reader.retain();
      return;
    }
    this.inflight += data.length;
    this.host.budget.take(data.length);
    this.head.accept({
      data: Buffer.copyBytesFrom(data),
      time: this.host.clock.now(),
      readFilled: filled === true,
    });
    if (this.holdsTooMuch()) this.pauseSource();
  };

  private holdsTooMuch(): boolean {
    return this.inflight > this.limit || (this.host.budget.full && this.inflight > WINDOW_WHEN_BUDGET_FULL);
  }

  private writeOut(data: Buffer): void {
    if (this.closed || this.destination.destroyed || this.destination.writableEnded) return;
    this.stats.sent += data.length;
    if (!this.destination.write(data)) this.pauseSource();
  }

  private pauseSource(): void {
    if (this.sourcePaused) return;
    this.sourcePaused = true;
    this.source.pause();
  }

  private maybeResume(): void {
    if (!this.sourcePaused || this.destination.writableNeedDrain || this.inflight > this.limit / 2) return;
    if (this.host.budget.full && this.inflight > WINDOW_WHEN_BUDGET_FULL / 2) {
      this.host.budget.whenRoom(this.wake);
      return;
    }
    this.sourcePaused = false;
    if (!this.closed) this.source.resume();
  }

  private appendStage(spec: ConnectionToxicSpec): void {
    // Toxics that act only when a connection starts (connect_delay, refuse) have no stage.
    if (!connectionImplementation(spec).create) return;
    const random = this.host.random.fork(`${this.stream}/${spec.name}`);
    const stage = new Stage(spec, this.sink, random, this.stageHost);
    const last = this.stages.at(-1);
    if (last) last.next = stage;
    else this.head = stage;
    this.stages.push(stage);
    this.updateLimit();
  }

  private updateLimit(): void {
    const extra = this.stages.reduce(
      (sum, stage) => sum + (connectionImplementation(stage.spec).bufferBytes ?? 0),
      0,
    );
    this.limit = Math.min(BASE_BUFFER_BYTES + extra, Math.max(this.host.budget.maxBytes, BASE_BUFFER_BYTES));
  }

  private mutate(operation: () => void | Promise<void>): Promise<void> {
    this.mutations = this.mutations.then(operation, operation);
    return this.mutations;
  }
}
