import type { RandomSource } from '../../model/random.js';
import type { Stream, ToxicSpec } from '../../model/toxic.js';
import type { Datagram, DatagramReceiver } from './datagram.js';
import { DatagramStage, type DatagramStageHost } from './datagram-stage.js';

/**
 * One direction of a flow: datagrams in → toxic stages → `send`. Datagram toxics hold nothing
 * across an interruption, so changes apply at once: a removed stage pushes what it holds to the
 * next one and is unlinked.
 */
export class DatagramChain {
  readonly stats = { received: 0, sent: 0, datagrams: 0, dropped: 0 };
  private stages: DatagramStage[] = [];
  private head: DatagramReceiver;
  private closed = false;
  /** While the flow closes, the toxic whose held datagrams are being let go. */
  private closing: ToxicSpec | undefined;
  /** Bytes the chain's toxics hold (delayed, reordered, queued), still on their way. */
  private heldBytes = 0;
  private readonly sink: DatagramReceiver;
  private readonly stageHost: DatagramStageHost;

  constructor(
    readonly stream: Stream,
    private readonly send: (data: Buffer) => void,
    private readonly random: RandomSource,
    host: DatagramStageHost,
    toxics: readonly ToxicSpec[],
  ) {
    this.sink = {
      accept: (datagram: Datagram) => {
        if (this.closed) {
          // A datagram a toxic held when the flow closed never leaves: a drop of that toxic's.
          if (this.closing) this.stageHost.dropped(this.closing);
          return;
        }
        this.stats.sent += datagram.data.length;
        this.send(datagram.data);
      },
    };
    this.head = this.sink;
    const budget = host.budget;
    this.stageHost = {
      clock: host.clock,
      budget: {
        get full() {
          return budget.full;
        },
        take: (bytes) => {
          this.heldBytes += bytes;
          budget.take(bytes);
        },
        release: (bytes) => {
          this.heldBytes -= bytes;
          budget.release(bytes);
        },
      },
      selects: host.selects,
      acted: host.acted,
      dropped: (toxic) => {
        this.stats.dropped += 1;
        host.dropped(toxic);
      },
    };
    for (const toxic of toxics) this.add(toxic);
  }

  /** Whether datagrams are on their way through the toxics: the flow is not idle meanwhile. */
  get holding(): boolean {
    return this.heldBytes > 0;
  }

  accept(data: Buffer, time: number): void {
    if (this.closed) return;
    this.stats.received += data.length;
    this.stats.datagrams += 1;
    if (this.head === this.sink) {
      this.stats.sent += data.length;
      this.send(data);
    } else this.head.accept({ data, time });
  }

  add(spec: ToxicSpec): void {
    const stage = new DatagramStage(
      spec,
      this.sink,
      this.random.fork(`${this.stream}/${spec.name}`),
      this.stageHost,
    );
    const last = this.stages.at(-1);
    if (last) last.next = stage;
    else this.head = stage;
    this.stages.push(stage);
  }

  update(spec: ToxicSpec): void {
    const stage = this.stages.find((candidate) => candidate.spec.name === spec.name);
    if (!stage) return;
    stage.interrupt();
    stage.resume(spec);
  }

  remove(name: string): void {
    const index = this.stages.findIndex((candidate) => candidate.spec.name === name);
    const stage = this.stages[index];
    if (!stage) return;
    stage.interrupt();
    const previous = this.stages[index - 1];
    if (previous) previous.next = stage.next;
    else this.head = stage.next;
    this.stages.splice(index, 1);
  }

  /** The flow is gone: held datagrams are dropped with it, and counted as drops of their toxic. */
  close(): void {
    this.closed = true;
    for (const stage of this.stages) {
      this.closing = stage.spec;
      stage.interrupt();
    }
    this.closing = undefined;
  }
}
