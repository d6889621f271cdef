import dgram from 'node:dgram';
import type { Clock } from '../../model/clock.js';
import type { RandomSource } from '../../model/random.js';
import type { Stream, ToxicSpec } from '../../model/toxic.js';
import { DatagramChain } from './datagram-chain.js';
import type { DatagramStageHost } from './datagram-stage.js';
import { handleDatagrams } from './datagram-handler.js';

/**
 * Asked of the kernel for every proxy socket (it caps the size at net.core.rmem_max): the default
 * ~200 KB holds only a few hundred small datagrams, which a busy moment overflows.
 */
export const RECEIVE_BUFFER_BYTES = 4 * 1024 * 1024;

export interface UdpEndpoint {
  address: string;
  port: number;
  family: 'udp4' | 'udp6';
}

export interface FlowEnvironment extends Omit<DatagramStageHost, 'acted' | 'dropped' | 'selects'> {
  readonly clock: Clock;
  readonly random: RandomSource;
  acted(flow: Flow, toxic: ToxicSpec, action: string, first: boolean): void;
  dropped(flow: Flow, toxic: ToxicSpec): void;
  selects(flow: Flow, toxic: ToxicSpec): boolean;
  /** The upstream socket failed (an ICMP unreachable shows as ECONNREFUSED on the next send). */
  failed(flow: Flow, error: Error): void;
}

/**
 * One client address and its own upstream socket, with a chain each way: upstream carries
 * client → server datagrams, downstream the replies, which go back to that client from the
 * proxy's listening socket. Only datagrams from the upstream address count as replies.
 */
export class Flow {
  readonly openedAt: number;
  lastActive: number;
  readonly chains: Record<Stream, DatagramChain>;
  private readonly socket: dgram.Socket;
  private closed = false;

  constructor(
    readonly id: number,
    readonly client: UdpEndpoint,
    upstream: UdpEndpoint,
    listener: dgram.Socket,
    toxics: readonly ToxicSpec[],
    environment: FlowEnvironment,
  ) {
    this.openedAt = this.lastActive = environment.clock.now();
    this.socket = dgram.createSocket({ type: upstream.family, recvBufferSize: RECEIVE_BUFFER_BYTES });
    const random = environment.random.fork(String(id));
    const host: DatagramStageHost = {
      clock: environment.clock,
      budget: environment.budget,
      selects: (toxic) => environment.selects(this, toxic),
      acted: (toxic, action, first) => environment.acted(this, toxic, action, first),
      dropped: (toxic) => environment.dropped(this, toxic),
    };
    const of = (stream: Stream) => toxics.filter((toxic) => toxic.stream === stream);
    // A connected socket sends without an address lookup per datagram; until it is connected,
    // what the client sends waits here (a send before then would throw).
    let waiting: Buffer[] | undefined = [];
    this.socket.connect(upstream.port, upstream.address, () => {
      if (this.closed) return;
      // Connected, the socket only receives from the upstream address.
      handleDatagrams(this.socket, (data) => {
        this.lastActive = environment.clock.now();
        this.chains.downstream.accept(data, this.lastActive);
      });
      const queued = waiting ?? [];
      waiting = undefined;
      for (const data of queued) this.socket.send(data);
    });
    const sendUpstream = (data: Buffer) => {
      if (this.closed) return;
      if (waiting) waiting.push(data);
      else this.socket.send(data);
    };
    const sendToClient = (data: Buffer) => listener.send(data, client.port, client.address);
    this.chains = {
      upstream: new DatagramChain('upstream', sendUpstream, random.fork('upstream'), host, of('upstream')),
      downstream: new DatagramChain(
        'downstream',
        sendToClient,
        random.fork('downstream'),
        host,
        of('downstream'),
      ),
    };
    // An unreachable upstream fails every send; the flow reports it once and keeps going.
    let reported = false;
    this.socket.on('error', (error) => {
      if (this.closed || reported) return;
      reported = true;
      environment.failed(this, error);
    });
  }

  get clientAddress(): string {
    return this.client.family === 'udp6'
      ? `[${this.client.address}]:${this.client.port}`
      : `${this.client.address}:${this.client.port}`;
  }

  /** Whether the flow's toxics hold datagrams still on their way (a delayed reply). */
  get holding(): boolean {
    return this.chains.upstream.holding || this.chains.downstream.holding;
  }

  /** A datagram from the client. */
  fromClient(data: Buffer, now: number): void {
    this.lastActive = now;
    this.chains.upstream.accept(data, now);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.chains.upstream.close();
    this.chains.downstream.close();
    this.socket.close();
  }
}
