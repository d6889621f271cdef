import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Clock } from '../model/clock.js';
import type { RandomSource } from '../model/random.js';
import type { ConnectionToxicSpec, Stream, ToxicSpec } from '../model/toxic.js';
import type { HeldBudget } from './held-budget.js';
import { Pipeline } from './pipeline.js';
import type { SocketReader } from './socket-reader.js';
import type { CloseMode } from './toxic-behaviour.js';

/** Where a link carries the client's bytes: a TCP socket, or a protocol's in-process end. */
export type LinkPeer = Duplex & { resetAndDestroy(): unknown };

export interface LinkEnvironment {
  readonly clock: Clock;
  readonly random: RandomSource;
  readonly budget: HeldBudget;
  activity(): void;
  acted(link: Link, toxic: ToxicSpec, action: string, first: boolean): void;
  selects(toxic: ToxicSpec): boolean;
  closed(link: Link): void;
}

/**
 * One client connection and its upstream connection, with a pipeline each way: upstream carries
 * client → server, downstream server → client. A half-close (FIN) passes through; an error or
 * reset on one side resets or closes the other.
 */
export class Link {
  readonly pipelines: Record<Stream, Pipeline>;
  readonly openedAt: number;
  private closing = false;
  private socketsOpen = 2;

  constructor(
    readonly id: number,
    readonly client: Socket,
    readonly upstream: LinkPeer,
    readers: Record<'client' | 'upstream', SocketReader>,
    toxics: readonly ConnectionToxicSpec[],
    private readonly environment: LinkEnvironment,
  ) {
    this.openedAt = environment.clock.now();
    const host = (stream: Stream) => ({
      clock: environment.clock,
      random: environment.random.fork(stream),
      budget: environment.budget,
      activity: environment.activity,
      closeLink: (mode: CloseMode) => this.close(mode),
      acted: (toxic: ToxicSpec, action: string, first: boolean) =>
        environment.acted(this, toxic, action, first),
      selects: (toxic: ToxicSpec) => environment.selects(toxic),
    });
    const of = (stream: Stream) => toxics.filter((toxic) => toxic.stream === stream);
    this.pipelines = {
      upstream: new Pipeline('upstream', readers.client, client, upstream, host('upstream'), of('upstream')),
      downstream: new Pipeline(
        'downstream',
        readers.upstream,
        upstream,
        client,
        host('downstream'),
        of('downstream'),
      ),
    };
    this.watch(client, upstream);
    this.watch(upstream, client);
  }

  get clientAddress(): string {
    return `${this.client.remoteAddress}:${this.client.remotePort}`;
  }

  /** Closes both sides: "end" after pending writes, "reset" with an RST, "destroy" at once. */
  close(mode: CloseMode | 'destroy'): void {
    if (this.closing) return;
    this.closing = true;
    this.pipelines.upstream.close();
    this.pipelines.downstream.close();
    for (const socket of [this.client, this.upstream]) {
      if (socket.destroyed) continue;
      if (mode === 'reset') socket.resetAndDestroy();
      else if (mode === 'destroy') socket.destroy();
      else socket.end(() => socket.destroy());
    }
  }

  private watch(socket: LinkPeer, peer: LinkPeer): void {
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (this.closing) return;
      if (error.code === 'ECONNRESET' && !peer.destroyed) {
        this.closing = true;
        this.pipelines.upstream.close();
        this.pipelines.downstream.close();
        peer.resetAndDestroy();
      } else this.close('destroy');
    });
    socket.once('close', () => {
      this.socketsOpen -= 1;
      if (this.socketsOpen === 1 && !peer.destroyed && !this.bothDirectionsEnded(socket))
        this.close('destroy');
      if (this.socketsOpen === 0) {
        this.pipelines.upstream.close();
        this.pipelines.downstream.close();
        this.environment.closed(this);
      }
    });
  }

  /** A socket that closed after both its directions ended leaves its peer to finish on its own. */
  private bothDirectionsEnded(socket: Duplex): boolean {
    return socket.readableEnded && socket.writableFinished;
  }
}
