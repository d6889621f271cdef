import { mergeToxics } from '../toxic-merge.js';
import type dgram from 'node:dgram';
import net from 'node:net';
import { DEFAULT_IDLE_TIMEOUT_MS } from '../../model/protocol.js';
import { parseHostPort } from '../../model/address.js';
import { FaultlineError } from '../../model/errors.js';
import type { ProxyUpdate } from '../../model/proxy-spec.js';
import { matchesClient, requestOnlyKeys } from '../../model/match.js';
import { type Stream, streams, type ToxicSpec } from '../../model/toxic.js';
import type { ProxySummary } from '../events.js';
import { canonicalListen } from '../listener.js';
import type { ProxyEnvironment, ProxyStats } from '../proxy.js';
import { AddressHistory, addressSeries } from '../address-bytes.js';
import { ToxicRoster } from '../toxic-roster.js';
import { resolveUpstream, unreachableUpstreamWarning } from './resolve-upstream.js';
import { bindDatagramListener } from './bind.js';
import { handleDatagrams } from './datagram-handler.js';
import { datagramFailure } from './datagram-failure.js';
import { Flow, type UdpEndpoint } from './flow.js';
import { FlowTable } from './flow-table.js';
import { datagramCounterparts } from '../toxic-counterparts.js';
import { datagramToxics, datagramToxicTypes } from './toxics/index.js';

/** Datagrams carry no requests, so no request faults. */
const noCounts = new Map<string, number>();
const noRequestFaults: ProxyStats['requestFaults'] = new Map();

/** New client addresses beyond this many live flows are not served (counted in `datagramsRefused`). */
export const MAX_FLOWS = 10_000;

export interface UdpProxyOptions {
  /** A flow with no datagram either way for this long is closed. */
  idleTimeoutMs?: number;
}

/**
 * A named UDP listener. Each client address gets a flow with its own upstream socket; a flow
 * counts as a connection in the API, metrics and events, and closes after `idleTimeoutMs`
 * without datagrams either way.
 */
export class UdpProxy {
  listen: string;
  upstream: string;
  enabled = false;
  readonly protocol = 'udp';
  /** Datagrams carry no requests, so no request headers can ask for faults. */
  readonly headerFaults = false;
  /** Nor can a delay hold one: halt and reset find none to release. */
  readonly heldRequests = 0;
  /** Datagram proxies speak no TLS (the spec refuses tls on udp); these keep EngineProxy uniform. */
  readonly tls = undefined;
  readonly upstreamTls = undefined;
  idleTimeoutMs: number;
  private readonly roster: ToxicRoster;
  private socket: dgram.Socket | undefined;
  private target: UdpEndpoint | Error | undefined;
  private readonly flows = new FlowTable();
  private serial = 0;
  private sweeper: NodeJS.Timeout | undefined;
  private readonly closedBytes = { upstream: { received: 0, sent: 0 }, downstream: { received: 0, sent: 0 } };
  private readonly addresses = new AddressHistory();
  private refusedDatagrams = 0;
  private droppedDatagrams = 0;
  private unusableReported = false;
  /** When the upstream's name was last looked up (clock ms), and the lookup under way. */
  private lookedUpAt = 0;
  private lookingUp: Promise<void> | undefined;
  /** Whether a client was turned away at MAX_FLOWS since a flow last closed (reported once). */
  private fullReported = false;
  /** Whether a datagram from source port 0 was reported (once per proxy). */
  private portZeroReported = false;
  /** Datagrams each toxic dropped, by toxic name, while its series is kept (KEPT_REMOVED_TOXICS). */
  readonly datagramDrops = new Map<string, number>();

  constructor(
    readonly name: string,
    listen: string,
    upstream: string,
    private readonly environment: ProxyEnvironment,
    options: UdpProxyOptions = {},
  ) {
    this.listen = listen;
    this.upstream = upstream;
    this.idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
    this.roster = new ToxicRoster(name, environment.events, environment.limits, () => this.protocol);
    this.roster.onForget((toxic) => this.datagramDrops.delete(toxic));
  }

  /** Said when the proxy is created or its upstream changes: an upstream name that does not resolve, or port 0. */
  get warnings(): string[] {
    // A disabled proxy looks the name up again when it starts.
    if (!this.socket || !(this.target instanceof Error)) return [];
    return [unreachableUpstreamWarning(this.name, this.upstream, this.target)];
  }

  get toxics(): readonly ToxicSpec[] {
    return this.roster.byStream;
  }

  /** Live flows: each client address is one. */
  get connections(): number {
    return this.flows.size;
  }

  /** A datagram proxy has no connect-time toxics: no flow waits before its upstream socket. */
  get connectionsHeld(): number {
    return 0;
  }

  /** Datagrams from new clients not served because MAX_FLOWS flows were live. */
  get datagramsRefused(): number {
    return this.refusedDatagrams;
  }

  summary(): ProxySummary {
    const { name, listen, upstream, enabled, protocol } = this;
    return { name, listen, upstream, enabled, protocol };
  }

  toxic(name: string): ToxicSpec {
    return this.roster.named(name);
  }

  async start(): Promise<void> {
    if (this.socket) return;
    const { socket, address } = await bindDatagramListener(this.listen, this.environment.limits.listenAllow);
    this.target = await resolveUpstream(this.upstream, this.environment.lookupHost);
    this.lookedUpAt = this.environment.clock.now();
    this.unusableReported = false;
    handleDatagrams(socket, (data, from) => this.fromClient(data, from));
    socket.on('error', () => undefined);
    this.socket = socket;
    this.listen = address;
    this.enabled = true;
    this.startSweeper();
  }

  private setIdleTimeout(ms: number): void {
    this.idleTimeoutMs = ms;
    if (this.sweeper) {
      clearInterval(this.sweeper);
      this.startSweeper();
    }
  }

  /** Idle flows are looked for a few times per timeout (at most every second, at least every 10 ms). */
  private startSweeper(): void {
    const every = Math.max(10, Math.min(1000, this.idleTimeoutMs / 4));
    this.sweeper = setInterval(() => this.sweep(), every);
    this.sweeper.unref();
  }

  releaseHeldRequests(): number {
    return 0;
  }

  stop(): void {
    this.enabled = false;
    clearInterval(this.sweeper);
    this.sweeper = undefined;
    this.socket?.close();
    this.socket = undefined;
    for (const flow of this.flows.values()) this.closeFlow(flow);
  }

  /** Applies a merge of listen, upstream and enabled; on failure nothing has changed. */
  async update(update: ProxyUpdate): Promise<void> {
    if (update.idleTimeout !== undefined) this.setIdleTimeout(update.idleTimeout);
    const wantEnabled = update.enabled ?? this.enabled;
    const newListen = update.listen;
    const listenChanged = newListen !== undefined && (await canonicalListen(newListen)) !== this.listen;
    const upstreamChanged = update.upstream !== undefined && update.upstream !== this.upstream;
    if (listenChanged || upstreamChanged)
      this.addresses.retire(this.listen, this.upstream, this.stats().bytes);
    if (listenChanged) {
      const previous = this.listen;
      const wasRunning = this.socket !== undefined;
      this.stop();
      this.listen = newListen;
      if (wantEnabled) {
        try {
          await this.start();
        } catch (error) {
          this.listen = previous;
          if (wasRunning) await this.start().catch(() => undefined);
          throw error;
        }
      }
    } else if (wantEnabled && !this.enabled) await this.start();
    if (!wantEnabled && this.enabled) this.stop();
    if (upstreamChanged) {
      this.upstream = update.upstream!;
      for (const flow of this.flows.values()) this.closeFlow(flow);
      if (this.socket) this.target = await resolveUpstream(this.upstream, this.environment.lookupHost);
      this.lookedUpAt = this.environment.clock.now();
      this.unusableReported = false;
    }
  }

  async addToxic(toxic: ToxicSpec): Promise<void> {
    checkDatagramToxic(toxic, this.name);
    this.roster.add(toxic);
    for (const flow of this.flows.values()) flow.chains[toxic.stream].add(toxic);
    this.roster.announce('toxic.added', toxic);
  }

  async updateToxic(toxic: ToxicSpec): Promise<void> {
    const changed = this.roster.replace(toxic);
    for (const flow of this.flows.values()) flow.chains[toxic.stream].update(toxic);
    if (changed) this.roster.announce('toxic.updated', toxic);
  }

  async removeToxic(name: string): Promise<void> {
    const toxic = this.roster.remove(name);
    for (const flow of this.flows.values()) flow.chains[toxic.stream].remove(name);
    this.roster.announce('toxic.removed', toxic);
  }

  /** Makes each toxic of `wanted` as listed; the others stay (see mergeToxics). */
  async mergeToxics(wanted: readonly ToxicSpec[]): Promise<void> {
    for (const toxic of wanted) checkDatagramToxic(toxic, this.name);
    await mergeToxics(this, wanted);
  }

  tlsChange(): undefined {
    return undefined;
  }

  stats(): ProxyStats & { datagramsDropped: number } {
    const bytes = structuredClone(this.closedBytes);
    for (const flow of this.flows.values()) {
      for (const stream of streams) {
        bytes[stream].received += flow.chains[stream].stats.received;
        bytes[stream].sent += flow.chains[stream].stats.sent;
      }
    }
    return {
      connectionsTotal: this.serial,
      requestFaults: noRequestFaults,
      bytes,
      bytesByAddress: addressSeries(this.listen, this.upstream, bytes, this.addresses.list()),
      toxicActions: this.roster.actionCounts,
      tlsFailures: noCounts,
      upstreamFailures: noCounts,
      upstreamRetries: noCounts,
      protocolMismatches: noCounts,
      datagramsDropped: this.droppedDatagrams,
    };
  }

  private fromClient(data: Buffer, from: dgram.RemoteInfo): void {
    // No reply can go to port 0 (node throws on the send, which stopped the server), and no
    // socket sends from it: only a raw socket or a broken NAT makes such a datagram.
    if (from.port === 0) return this.fromPortZero(from);
    const flow = this.flows.get(from.address, from.port) ?? this.openFlow(from);
    flow?.fromClient(data, this.environment.clock.now());
  }

  private fromPortZero(from: dgram.RemoteInfo): void {
    if (this.portZeroReported) return;
    this.portZeroReported = true;
    const client = from.family === 'IPv6' ? `[${from.address}]:0` : `${from.address}:0`;
    this.environment.events.emit({
      type: 'connection.failed',
      proxy: this.name,
      client,
      upstream: this.upstream,
      error:
        'the datagram came from source port 0, which no reply can reach (only a raw socket or a broken NAT sends from it): ' +
        'dropped, and so are later ones from port 0, without another event; send from a bound UDP port',
      protocol: 'udp',
    });
  }

  /**
   * A host-name upstream is looked up again, in the background, for the flows that come after:
   * when the last lookup is LOOKUP_REFRESH_MS old, failed or not (Toxiproxy looks the name up for
   * each connection it dials), one lookup at a time, never per datagram.
   */
  private refreshTarget(): void {
    const { clock, lookupHost } = this.environment;
    if (this.lookingUp || !this.socket || clock.now() - this.lookedUpAt < LOOKUP_REFRESH_MS) return;
    if (net.isIP(parseHostPort(this.upstream, 'upstream').host) !== 0) return;
    const upstream = this.upstream;
    this.lookingUp = resolveUpstream(upstream, lookupHost).then((target) => {
      this.lookingUp = undefined;
      // An update changed the upstream meanwhile and looked the new one up itself.
      if (upstream !== this.upstream) return;
      this.lookedUpAt = clock.now();
      // A change between failing and working is reported afresh (once) when it fails.
      if (target instanceof Error !== this.target instanceof Error) this.unusableReported = false;
      this.target = target;
    });
  }

  private openFlow(from: dgram.RemoteInfo): Flow | undefined {
    const { events } = this.environment;
    this.refreshTarget();
    const client: UdpEndpoint = {
      address: from.address,
      port: from.port,
      family: from.family === 'IPv6' ? 'udp6' : 'udp4',
    };
    const clientText =
      client.family === 'udp6' ? `[${client.address}]:${client.port}` : `${client.address}:${client.port}`;
    if (!this.socket || !this.target || this.target instanceof Error) {
      // Reported once per upstream (or start), not once per datagram.
      if (this.unusableReported) return undefined;
      this.unusableReported = true;
      const error = this.target instanceof Error ? this.target.message : 'the proxy is not listening';
      events.emit({
        type: 'connection.failed',
        proxy: this.name,
        client: clientText,
        upstream: this.upstream,
        error,
        protocol: 'udp',
      });
      return undefined;
    }
    if (this.flows.size >= MAX_FLOWS) {
      this.refusedDatagrams += 1;
      if (!this.fullReported) {
        this.fullReported = true;
        events.emit({
          type: 'connection.failed',
          proxy: this.name,
          client: clientText,
          upstream: this.upstream,
          error: `the proxy has ${MAX_FLOWS} live flows, the most it serves; datagrams from new clients are not served until flows idle out (idle_timeout ${this.idleTimeoutMs} ms)`,
          protocol: 'udp',
        });
      }
      return undefined;
    }
    const id = ++this.serial;
    const upstream = this.upstream;
    const target = this.target;
    const flow = new Flow(id, client, target, this.socket, this.roster.inOrder, {
      clock: this.environment.clock,
      budget: this.environment.budget,
      random: this.environment.random,
      acted: (_, toxic, action, first) => this.toxicActed(toxic, action, first, id),
      selects: (_, toxic) => matchesClient(toxic.match, client.address) && this.roster.countSelected(toxic),
      dropped: (_, toxic) => {
        this.droppedDatagrams += 1;
        this.datagramDrops.set(toxic.name, (this.datagramDrops.get(toxic.name) ?? 0) + 1);
      },
      failed: (_, error) =>
        events.emit({
          type: 'connection.failed',
          proxy: this.name,
          connection: id,
          client: clientText,
          upstream: upstream,
          error: datagramFailure(error, upstream, target.address),
          protocol: 'udp',
        }),
    });
    this.flows.add(flow);
    events.emit({
      type: 'connection.opened',
      proxy: this.name,
      connection: id,
      client: clientText,
      protocol: 'udp',
    });
    return flow;
  }

  private sweep(): void {
    const now = this.environment.clock.now();
    for (const flow of this.flows.values()) {
      // Datagrams a toxic holds are on their way: the flow is busy, not idle, while they are.
      if (flow.holding) flow.lastActive = now;
      else if (now - flow.lastActive >= this.idleTimeoutMs) this.closeFlow(flow);
    }
  }

  private closeFlow(flow: Flow): void {
    if (!this.flows.delete(flow)) return;
    this.fullReported = false;
    flow.close();
    const bytes: Record<Stream, number> = { upstream: 0, downstream: 0 };
    for (const stream of streams) {
      const { received, sent } = flow.chains[stream].stats;
      this.closedBytes[stream].received += received;
      this.closedBytes[stream].sent += sent;
      bytes[stream] = sent;
    }
    this.environment.events.emit({
      type: 'connection.closed',
      proxy: this.name,
      connection: flow.id,
      client: flow.clientAddress,
      bytes,
      durationMs: Math.round(this.environment.clock.now() - flow.openedAt),
      protocol: 'udp',
    });
  }

  private toxicActed(toxic: ToxicSpec, action: string, first: boolean, connection: number): void {
    this.roster.countAction(toxic);
    if (!first) return;
    this.environment.events.emit({
      type: 'toxic.fired',
      proxy: this.name,
      toxic: toxic.name,
      toxicType: toxic.type,
      stream: toxic.stream,
      connection,
      action,
      protocol: 'udp',
    });
  }
}

/** Refuses, with a 400, a toxic a udp proxy cannot run. */
export function checkDatagramToxic(toxic: ToxicSpec, proxy: string): void {
  const keys = requestOnlyKeys(toxic.match);
  if (keys.length > 0) {
    throw new FaultlineError(
      'FAULTLINE_ERR_INVALID_ATTRIBUTE',
      `match key ${keys.join(', ')} needs a request toxic on an http or http2 proxy`,
      {
        hint: `toxic ${JSON.stringify(toxic.name)}: proxy ${JSON.stringify(proxy)} carries datagrams, where only match.client is known`,
      },
    );
  }
  if (datagramToxics[toxic.type]) return;
  const instead = datagramCounterparts[toxic.type];
  throw new FaultlineError(
    'FAULTLINE_ERR_INVALID_TOXIC_TYPE',
    `toxic type ${toxic.type} does not run on a udp proxy`,
    {
      hint: `proxy ${JSON.stringify(proxy)} carries datagrams; ${instead ? `use ${instead} instead; ` : ''}accepted types: ${datagramToxicTypes.join(', ')}`,
    },
  );
}

/** How old a lookup of the upstream's name may be before a new flow has it looked up again. */
const LOOKUP_REFRESH_MS = 1000;
