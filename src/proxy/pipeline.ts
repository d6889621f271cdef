import type { Socket } from 'node:net';
import type { Clock } from '../model/clock.js';
import type { RandomSource } from '../model/random.js';
import type { Stream, ToxicSpec } from '../model/toxic.js';
import type { Chunk, Receiver } from './chunk.js';
import type { SocketReader } from './socket-reader.js';
import { Stage, type StageHost } from './stage.js';
import { toxicImplementations } from './toxics/index.js';

export interface PipelineHost extends Omit<StageHost, 'discard'> {
  readonly clock: Clock;
  readonly random: RandomSource;
  /** Called on every read, to keep the busy-poll window open. */
  activity(): void;
}

/** Bytes a chain may hold before the source is paused, on top of what its toxics ask for. */
const BASE_BUFFER_BYTES = 256 * 1024;

/**
 * One direction of a connection: source socket → toxic stages → destination socket.
 * With no toxics, reads are written straight out (the fast path). Chain changes are serialized
 * and never lose, duplicate or reorder a byte: a removed stage is interrupted, pushes what it
 * holds, hands over its queue, and only then is unlinked.
 */
export class Pipeline {
  readonly stats = { received: 0, sent: 0 };
  private stages: Stage[] = [];
  private head: Receiver;
  private inflight = 0;
  private limit = BASE_BUFFER_BYTES;
  private sourcePaused = false;
  private closed = false;
  private mutations: Promise<void> = Promise.resolve();
  private readonly stageHost: StageHost;
  private readonly reader: SocketReader;
  private readonly sink: Receiver = {
    accept: (chunk: Chunk) => {
      this.inflight -= chunk.data.length;
      this.writeOut(chunk.data);
      this.maybeResume();
    },
    end: () => {
      if (!this.closed && !this.destination.destroyed) this.destination.end();
    },
  };

  constructor(
    readonly stream: Stream,
    reader: SocketReader,
    private readonly source: Socket,
    private readonly destination: Socket,
    private readonly host: PipelineHost,
    toxics: readonly ToxicSpec[],
  ) {
    this.head = this.sink;
    this.stageHost = {
      clock: host.clock,
      discard: (bytes) => this.discard(bytes),
      closeLink: (mode) => host.closeLink(mode),
      acted: (toxic, action, first) => host.acted(toxic, action, first),
    };
    for (const spec of toxics) this.appendStage(spec);
    this.reader = reader;
    reader.onData = this.onData;
    source.on('end', () => {
      if (!this.closed) this.head.end();
    });
    destination.on('drain', () => this.maybeResume());
  }

  addToxic(spec: ToxicSpec): Promise<void> {
    return this.mutate(() => this.appendStage(spec));
  }

  updateToxic(spec: ToxicSpec): Promise<void> {
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

  /** Stops moving data; pending chunks are dropped because the connection is going away. */
  close(): void {
    this.closed = true;
    this.reader.onData = () => undefined;
    for (const stage of this.stages) stage.dispose();
  }

  discard(bytes: number): void {
    this.inflight -= bytes;
    this.maybeResume();
  }

  private readonly onData = (data: Buffer): void => {
    this.stats.received += data.length;
    this.host.activity();
    if (this.head === this.sink) {
      this.writeOut(data);
      if (this.destination.writableLength > 0) this.reader.retain();
      return;
    }
    this.inflight += data.length;
    this.head.accept({ data: Buffer.copyBytesFrom(data), time: this.host.clock.now() });
    if (this.inflight > this.limit) this.pauseSource();
  };

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
    this.sourcePaused = false;
    if (!this.closed) this.source.resume();
  }

  private appendStage(spec: ToxicSpec): void {
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
      (sum, stage) => sum + (toxicImplementations[stage.spec.type].bufferBytes ?? 0),
      0,
    );
    this.limit = BASE_BUFFER_BYTES + extra;
  }

  private mutate(operation: () => void | Promise<void>): Promise<void> {
    this.mutations = this.mutations.then(operation, operation);
    return this.mutations;
  }
}
