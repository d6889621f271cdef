import dgram from 'node:dgram';
import type { Clock } from '../../model/clock.js';
import type { RandomSource } from '../../model/random.js';
import type { Stream, ToxicSpec } from '../../model/toxic.js';
import { DatagramChain } from './datagram-chain.js';
import type { DatagramStageHost } from './datagram-stage.js';

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
    this.socket = dgram.createSocket({ type: upstream.family });
    const random = environment.random.fork(String(id));
    const host: DatagramStageHost = {
      clock: environment.clock,
      selects: (toxic) => environment.selects(this, toxic),
      acted: (toxic, action, first) => environment.acted(this, toxic, action, first),
      dropped: (toxic) => environment.dropped(this, toxic),
    };
    const of = (stream: Stream) => toxics.filter((toxic) => toxic.stream === stream);
    const sendUpstream = (data: Buffer) => this.socket.send(data, upstream.port, upstream.address);
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
    this.socket.on('message', (data, from) => {
      if (from.port !== upstream.port || from.address !== upstream.address) return;
      this.lastActive = environment.clock.now();
      this.chains.downstream.accept(data, this.lastActive);
    });
    this.socket.on('error', (error) => {
      if (!this.closed) environment.failed(this, error);
    });
  }

  get clientAddress(): string {
    return this.client.family === 'udp6'
      ? `[${this.client.address}]:${this.client.port}`
      : `${this.client.address}:${this.client.port}`;
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
