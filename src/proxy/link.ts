import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Clock } from '../model/clock.js';
import type { RandomSource } from '../model/random.js';
import type { ConnectionToxicSpec, Stream, ToxicSpec } from '../model/toxic.js';
import type { HeldBudget } from './held-budget.js';
import { Pipeline, type PipelineHost } from './pipeline.js';
import type { Reader } from './socket-reader.js';
import type { CloseMode } from './toxic-behaviour.js';
import { resetConnection } from '../net/reset-connection.js';

/** Where a link carries the client's bytes: a TCP socket, or a protocol's in-process end. */
export type LinkPeer = Duplex & { resetAndDestroy(): unknown };

/**
 * What a link asks of its proxy. One owner serves every link of a proxy, so a connection costs
 * no closures of its own: a server may open thousands a second, and each allocation brings the
 * next pause of the garbage collector closer.
 */
export interface LinkOwner {
  readonly clock: Clock;
  readonly budget: HeldBudget;
  activity(): void;
  /** The link's random source, asked for when a toxic of the link first needs one. */
  random(link: Link): RandomSource;
  acted(link: Link, toxic: ToxicSpec, action: string, first: boolean): void;
  selects(link: Link, toxic: ToxicSpec): boolean;
  closed(link: Link): void;
}

const noToxics: readonly ConnectionToxicSpec[] = [];

/**
 * One client connection and its upstream connection, with a pipeline each way: upstream carries
 * client → server, downstream server → client. A half-close (FIN) passes through; a reset on
 * one side resets the other, and another error closes it, after the bytes that came before.
 */
export class Link {
  readonly pipelines: Record<Stream, Pipeline>;
  readonly openedAt: number;
  /** Set once the upstream has answered (at once for a protocol's in-process end). */
  opened = false;
  private closing = false;
  /** One side failed; its reset or close is on its way through the toxics to the other side. */
  private draining = false;
  private socketsOpen = 2;
  private forkedRandom: RandomSource | undefined;

  constructor(
    readonly id: number,
    readonly client: Socket,
    readonly upstream: LinkPeer,
    /** "address:port" of the client, read when it connected. */
    readonly clientAddress: string,
    readers: Record<'client' | 'upstream', Reader>,
    toxics: readonly ConnectionToxicSpec[],
    private readonly owner: LinkOwner,
  ) {
    this.openedAt = owner.clock.now();
    const of = (stream: Stream) =>
      toxics.length === 0 ? noToxics : toxics.filter((toxic) => toxic.stream === stream);
    this.pipelines = {
      upstream: new Pipeline(
        'upstream',
        readers.client,
        client,
        upstream,
        new LinkSide(this, 'upstream', owner),
        of('upstream'),
      ),
      downstream: new Pipeline(
        'downstream',
        readers.upstream,
        upstream,
        client,
        new LinkSide(this, 'downstream', owner),
        of('downstream'),
      ),
    };
    this.watch(client, upstream);
    this.watch(upstream, client);
  }

  get random(): RandomSource {
    return (this.forkedRandom ??= this.owner.random(this));
  }

  /** Closes both sides: "end" after pending writes, "reset" with an RST, "destroy" at once. */
  close(mode: CloseMode | 'destroy'): void {
    if (this.closing) return;
    this.closing = true;
    this.pipelines.upstream.close();
    this.pipelines.downstream.close();
    for (const socket of [this.client, this.upstream]) {
      if (socket.destroyed) continue;
      if (mode === 'reset') resetConnection(socket);
      else if (mode === 'destroy') socket.destroy();
      else socket.end(() => socket.destroy());
    }
  }

  private watch(socket: LinkPeer, peer: LinkPeer): void {
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (this.closing) return;
      if (peer.destroyed) this.close('destroy');
      else this.drainFrom(socket, error.code === 'ECONNRESET' ? 'reset' : 'close');
    });
    socket.once('close', () => {
      this.socketsOpen -= 1;
      if (this.socketsOpen === 1 && !peer.destroyed && !this.draining && !this.bothDirectionsEnded(socket))
        this.close('destroy');
      if (this.socketsOpen === 0) {
        this.pipelines.upstream.close();
        this.pipelines.downstream.close();
        this.owner.closed(this);
      }
    });
  }

  /**
   * A side that failed is gone for writing, but what it sent before is its own: those bytes pass
   * through the toxics as they would before an end (a latency delivers them late, a slow_close
   * holds what follows), and then the other side is reset, for a reset, as it would be through a
   * network, or closed, for another error (EPIPE: the peer closed and we wrote on), as
   * Toxiproxy's links end one by one.
   */
  private drainFrom(failed: LinkPeer, how: 'reset' | 'close'): void {
    this.draining = true;
    const fromClient = failed === this.client;
    (fromClient ? this.pipelines.downstream : this.pipelines.upstream).close();
    const carrying = fromClient ? this.pipelines.upstream : this.pipelines.downstream;
    if (how === 'reset') carrying.reset();
    else carrying.finish();
  }

  /**
   * A socket that closed after both its directions ended leaves its peer to finish on its own:
   * its writes finished, or the end of stream closed it with nothing left to write.
   */
  private bothDirectionsEnded(socket: Duplex): boolean {
    const writes = socket === this.client ? this.pipelines.downstream : this.pipelines.upstream;
    return socket.readableEnded && (socket.writableFinished || writes.closedDestination);
  }
}

/** One direction's view of its link, for the pipeline and its toxics. */
class LinkSide implements PipelineHost {
  private forkedRandom: RandomSource | undefined;

  constructor(
    private readonly link: Link,
    private readonly stream: Stream,
    private readonly owner: LinkOwner,
  ) {}

  get clock(): Clock {
    return this.owner.clock;
  }

  get budget(): HeldBudget {
    return this.owner.budget;
  }

  /** Forked when a toxic first asks: most connections never draw. */
  get random(): RandomSource {
    return (this.forkedRandom ??= this.link.random.fork(this.stream));
  }

  activity(): void {
    this.owner.activity();
  }

  closeLink(mode: CloseMode): void {
    this.link.close(mode);
  }

  acted(toxic: ToxicSpec, action: string, first: boolean): void {
    this.owner.acted(this.link, toxic, action, first);
  }

  selects(toxic: ToxicSpec): boolean {
    return this.owner.selects(this.link, toxic);
  }
}
