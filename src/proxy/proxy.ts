import { connectFailure } from './connect-failure.js';
import { InFlight } from './in-flight.js';
import { mergeToxics } from './toxic-merge.js';
import { AddressHistory, type AddressBytes, addressSeries } from './address-bytes.js';
import type net from 'node:net';
import type tls from 'node:tls';
import type { Clock } from '../model/clock.js';
import { parseHostPort } from '../model/address.js';
import type { ProxyUpdate } from '../model/proxy-spec.js';
import {
  sameOrigination,
  sameTermination,
  type TlsOrigination,
  type TlsTermination,
} from '../model/tls-spec.js';
import type { RandomSource } from '../model/random.js';
import { matchesClient } from '../model/match.js';
import type { ProxyProtocol } from '../model/protocol.js';
import {
  type ConnectionToxicSpec,
  isConnectionToxicSpec,
  type Stream,
  streams,
  type ToxicSpec,
} from '../model/toxic.js';
import type { BusyPoll } from './busy-poll.js';
import type { EventBus, ProxySummary } from './events.js';
import type { HeldBudget } from './held-budget.js';
import type { EngineLimits } from './limits.js';
import { Link, type LinkOwner, type LinkPeer } from './link.js';
import { bindListener, canonicalListen, listenHosts } from './listener.js';
import type { Protocol, ProtocolSession, ServingSession } from './protocol.js';
import type { ProtocolMismatch, ProxyView, RequestFaultKey, UpstreamRetryReason } from './proxy-view.js';
import { methodLabel } from './http/method-label.js';
import { RecordReader } from './record-reader.js';
import { adoptAccepted, connectWithReader, type Reader, SocketReader } from './socket-reader.js';
import { ConnectGate, holdsConnections } from './connect-gate.js';
import type { CertificateIssuer, ClientTls, ServerTls } from './tls/proxy-tls.js';
import { listenNameWarning } from './tls/listen-name-warning.js';
import { weakClientKeyWarning, weakKeyWarning } from './tls/weak-key.js';
import type { SecureAcceptor } from './tls/secure-sockets.js';
import { isTlsError, tlsReason, upstreamVerifyHint } from './tls/tls-errors.js';
import { ToxicRoster } from './toxic-roster.js';
import { FAULTS_STOPPED } from './http/hold.js';
import type { HostLookup } from '../net/host-lookup.js';
import { resetConnection } from '../net/reset-connection.js';

export interface ProxyEnvironment {
  readonly clock: Clock;
  readonly random: RandomSource;
  readonly busyPoll: BusyPoll;
  readonly events: EventBus;
  readonly budget: HeldBudget;
  readonly limits: EngineLimits;
  readonly issueCertificate: CertificateIssuer | undefined;
  readonly lookupHost: HostLookup;
}

export interface ProxyStats {
  /** Client connections accepted: those whose TLS handshake failed too, as a refused upstream's. */
  connectionsTotal: number;
  /** Request faults by toxic, method (standard ones, else `other`) and outcome. */
  requestFaults: ReadonlyMap<string, RequestFaultKey & { count: number }>;
  bytes: Record<Stream, { received: number; sent: number }>;
  /** `bytes` by the listen address and upstream they passed under, the current pair first (see address-bytes.ts). */
  bytesByAddress: readonly AddressBytes[];
  toxicActions: ReadonlyMap<string, number>;
  /** Failed TLS handshakes by side and reason code (ERR_SSL_..., ETIMEDOUT, ...). */
  tlsFailures: ReadonlyMap<string, number>;
  /** Requests the upstream failed, by "STATUS cut" or "STATUS" (what the client got). */
  upstreamFailures: ReadonlyMap<string, number>;
  /** Requests sent upstream again, by why the upstream left them unprocessed (refused_stream, goaway). */
  upstreamRetries: ReadonlyMap<string, number>;
  /** Connections that spoke another protocol, by what they spoke (HTTP/1.x, HTTP/2, TLS, unknown). */
  protocolMismatches: ReadonlyMap<string, number>;
}

/** What stats() shows of a count nothing has added to yet. */
const noCounts: ReadonlyMap<string, never> = new Map<string, never>();
const noActivity = (): void => undefined;
/** Request-fault rows kept by outcome; later outcomes are counted as `other` (see countFault). */
const MAX_FAULT_ROWS = 1000;

export interface ProxyOptions {
  readonly protocol: Protocol;
  readonly headerFaults: boolean;
}

/**
 * A named TCP listener that forwards each connection to its upstream through its toxics. The
 * connection toxics run on a link per connection; the protocol decides where the link goes (the
 * upstream for tcp, its request handler for http and http2, which runs the request toxics).
 */
export class FaultProxy implements ProxyView {
  listen: string;
  upstream: string;
  enabled = false;
  headerFaults: boolean;
  private readonly roster: ToxicRoster;
  private requestToxicList: ToxicSpec[] = [];
  private requestToxicChange: AbortController | undefined;
  private readonly holds = new InFlight();
  private readonly requests = new InFlight();
  private server: net.Server | undefined;
  private session: ProtocolSession | undefined;
  private readonly protocolImplementation: Protocol;
  private readonly links = new Set<Link>();
  private serial = 0;
  /** Connections accepted whose TLS handshake failed: they took no number, and count as accepted. */
  private handshakesFailed = 0;
  private readonly closedBytes = { upstream: { received: 0, sent: 0 }, downstream: { received: 0, sent: 0 } };
  private readonly addresses = new AddressHistory();
  // What most proxies never use is made at first use: a server holds thousands of proxies.
  private tlsFailures: Map<string, number> | undefined;
  private upstreamFailures: Map<string, number> | undefined;
  private upstreamRetries: Map<string, number> | undefined;
  private protocolMismatches: Map<string, number> | undefined;
  private requestFaults: Map<string, RequestFaultKey & { count: number }> | undefined;
  private connectGate: ConnectGate | undefined;
  private serverTls: ServerTls | undefined;
  private secureAcceptor: SecureAcceptor | undefined;
  private clientTls: ClientTls | undefined;
  private owner: LinkOwner | undefined;

  constructor(
    readonly name: string,
    listen: string,
    upstream: string,
    readonly environment: ProxyEnvironment,
    options: ProxyOptions,
  ) {
    this.listen = listen;
    this.upstream = upstream;
    this.protocolImplementation = options.protocol;
    this.headerFaults = options.headerFaults;
    this.roster = new ToxicRoster(name, environment.events, environment.limits, () => this.protocol);
    this.roster.onForget((toxic) => {
      for (const [key, row] of this.requestFaults ?? [])
        if (row.toxic === toxic) this.requestFaults?.delete(key);
    });
  }

  /** Made when a connect-time toxic (connect_delay, refuse) first holds a connection. */
  private get gate(): ConnectGate {
    this.connectGate ??= new ConnectGate({
      clock: this.environment.clock,
      random: this.environment.random,
      toxics: () => this.roster.inOrder,
      selects: (toxic, clientIp) => matchesClient(toxic.match, clientIp) && this.roster.countSelected(toxic),
      acted: (toxic, action, connection) => this.toxicActed(toxic, action, true, connection),
    });
    return this.connectGate;
  }

  get protocol(): ProxyProtocol {
    return this.protocolImplementation.name;
  }

  /** The request toxics, in the order they were added; read on every request. */
  get requestToxics(): readonly ToxicSpec[] {
    return this.requestToxicList;
  }

  get requestToxicsChanged(): AbortSignal {
    this.requestToxicChange ??= new AbortController();
    return this.requestToxicChange.signal;
  }

  holdStarted(): () => void {
    return this.holds.started();
  }

  requestStarted(): () => void {
    return this.requests.started();
  }

  /** Requests in flight now: arrived, and their stream (HTTP/2) or answer (HTTP/1.1) not yet closed (Envoy's downstream_rq_active). */
  get requestsActive(): number {
    return this.requests.now + (this.session?.requestsInFlight?.() ?? 0);
  }

  /** Requests and answers a delay (a toxic's or a header's) holds right now. */
  get heldRequests(): number {
    return this.holds.now;
  }

  /**
   * Halt and reset: every request or answer a delay holds goes on at once, with no further
   * fault (no abort, no rewrite). Returns how many there were.
   */
  releaseHeldRequests(): number {
    const held = this.holds.now;
    this.requestToxicChange?.abort(FAULTS_STOPPED);
    this.requestToxicChange = undefined;
    return held;
  }

  /** Releases what request delays hold: their toxic changed or went. */
  private releaseHeldBy(toxic: ToxicSpec): void {
    if (isConnectionToxicSpec(toxic)) return;
    this.requestToxicChange?.abort();
    this.requestToxicChange = undefined;
  }

  get toxics(): readonly ToxicSpec[] {
    return this.roster.byStream;
  }

  get connections(): number {
    return this.links.size;
  }

  /** Clients accepted and held by a connect-time toxic (connect_delay): open, but not yet linked upstream. */
  get connectionsHeld(): number {
    return this.connectGate?.held ?? 0;
  }

  summary(): ProxySummary {
    const { name, listen, upstream, enabled, protocol } = this;
    return { name, listen, upstream, enabled, ...(protocol === 'tcp' ? {} : { protocol }) };
  }

  toxic(name: string): ToxicSpec {
    return this.roster.named(name);
  }

  async start(): Promise<void> {
    if (this.server) return;
    const session = await this.protocolImplementation.open(this);
    try {
      const { server, address } = await bindListener(
        this.listen,
        (socket) => this.accept(socket),
        this.environment.limits.listenAllow,
      );
      this.server = server;
      this.session = session;
      this.listen = address;
      this.enabled = true;
    } catch (error) {
      session.close();
      throw error;
    }
  }

  stop(): void {
    this.enabled = false;
    this.server?.close();
    this.server = undefined;
    this.connectGate?.stop();
    this.dropConnections();
    this.session?.close();
    this.session = undefined;
  }

  countFault(fault: RequestFaultKey): void {
    const rows = (this.requestFaults ??= new Map());
    const method = methodLabel(fault.method);
    const rowOf = (outcome: string) => `${fault.toxic}\u0000${method}\u0000${outcome}`;
    // Outcomes an upstream sends (its status codes) are many but not endless; past the cap, a new one counts as `other`.
    let key = rowOf(fault.outcome);
    const full = !rows.has(key) && rows.size >= MAX_FAULT_ROWS;
    if (full) key = rowOf('other');
    const row = rows.get(key);
    if (row) row.count += 1;
    else rows.set(key, { ...fault, method, ...(full ? { outcome: 'other' } : {}), count: 1 });
  }

  countUpstreamFailure(status: number, cut: boolean): void {
    const key = cut ? `${status} cut` : String(status);
    const failures = (this.upstreamFailures ??= new Map());
    failures.set(key, (failures.get(key) ?? 0) + 1);
  }

  countUpstreamRetry(reason: UpstreamRetryReason): void {
    const retries = (this.upstreamRetries ??= new Map());
    retries.set(reason, (retries.get(reason) ?? 0) + 1);
  }

  countAction(toxic: ToxicSpec): void {
    this.roster.countAction(toxic);
  }

  countSelected(toxic: ToxicSpec): boolean {
    return this.roster.countSelected(toxic);
  }

  get tls(): TlsTermination | undefined {
    return this.serverTls?.spec;
  }

  /**
   * What the proxy does otherwise than its settings suggest, said when it is created or its TLS
   * or listen address changes: a certificate that names none of its listen hosts, or whose key
   * clients refuse as too weak; a client certificate (upstream_tls) whose key upstreams refuse.
   */
  get warnings(): string[] {
    const { listenMismatch, weakKey } = this.serverTls ?? {};
    const warnings: string[] = [];
    if (listenMismatch !== undefined)
      warnings.push(listenNameWarning(this.name, listenMismatch, this.listen));
    if (weakKey !== undefined) warnings.push(weakKeyWarning(this.name, weakKey));
    const weakClientKey = this.clientTls?.weakKey;
    if (weakClientKey !== undefined) warnings.push(weakClientKeyWarning(this.name, weakClientKey));
    return warnings;
  }

  get upstreamTls(): TlsOrigination | undefined {
    return this.clientTls?.spec;
  }

  get upstreamTlsOptions(): tls.ConnectionOptions | undefined {
    return this.clientTls?.options;
  }

  /** Sets TLS on a proxy not yet started (engine create). */
  async setTls(spec: { tls?: TlsTermination; upstreamTls?: TlsOrigination }): Promise<void> {
    const prepared = await this.prepareTls(spec, this.listen, this.upstream);
    this.useServerTls(prepared.server);
    this.clientTls = prepared.client;
  }

  /** The update that makes this proxy's TLS what `spec` asks for, or undefined when it already is. */
  tlsChange(spec: { tls?: TlsTermination; upstreamTls?: TlsOrigination }): ProxyUpdate | undefined {
    const change: ProxyUpdate = {};
    if (!sameTermination(spec.tls, this.tls)) change.tls = spec.tls ?? null;
    if (!sameOrigination(spec.upstreamTls, this.upstreamTls)) change.upstreamTls = spec.upstreamTls ?? null;
    return Object.keys(change).length > 0 ? change : undefined;
  }

  /** Checks and builds TLS settings before anything changes, so a bad certificate changes nothing. */
  private async prepareTls(
    spec: { tls?: TlsTermination | null; upstreamTls?: TlsOrigination | null },
    listen: string,
    upstream: string,
  ): Promise<{ server: ServerTls | undefined; client: ClientTls | undefined }> {
    // undefined keeps what the proxy has; null takes it off.
    const serverSpec = spec.tls === null ? undefined : (spec.tls ?? this.serverTls?.spec);
    const reissue = serverSpec !== undefined && (spec.tls !== undefined || listen !== this.listen);
    const kept = serverSpec === undefined ? undefined : this.serverTls;
    const clientSpec = spec.upstreamTls === null ? undefined : (spec.upstreamTls ?? this.clientTls?.spec);
    if (!reissue && clientSpec === undefined) return { server: kept, client: undefined };
    // node:tls and the X.509 checks load with the first TLS setting: a server without one saves
    // about 3 MB (README, Performance).
    const { serverTls, clientTls } = await import('./tls/proxy-tls.js');
    const server = reissue
      ? await serverTls(
          serverSpec,
          await listenHosts(listen),
          this.protocol,
          this.environment.issueCertificate,
        )
      : kept;
    const client =
      clientSpec === undefined ? undefined : clientTls(clientSpec, parseHostPort(upstream, 'upstream').host);
    return { server, client };
  }

  /** Applies a merge of listen, upstream and enabled; on failure nothing has changed. */
  async update(update: ProxyUpdate): Promise<void> {
    const wantEnabled = update.enabled ?? this.enabled;
    const newListen = update.listen;
    const prepared = await this.prepareTls(
      update,
      newListen ?? this.listen,
      update.upstream ?? this.upstream,
    );
    const listenChanged = newListen !== undefined && (await canonicalListen(newListen)) !== this.listen;
    const upstreamChanged = update.upstream !== undefined && update.upstream !== this.upstream;
    if (listenChanged || upstreamChanged)
      this.addresses.retire(this.listen, this.upstream, this.stats().bytes);
    if (listenChanged && wantEnabled) await this.moveListener(newListen);
    else if (listenChanged) {
      this.stop();
      this.listen = newListen;
    } else if (wantEnabled && !this.enabled) await this.start();
    if (!wantEnabled && this.enabled) this.stop();
    if (update.headerFaults !== undefined) this.headerFaults = update.headerFaults;
    if (upstreamChanged) {
      this.upstream = update.upstream!;
      this.dropConnections();
      this.session?.upstreamChanged?.();
    }
    this.useServerTls(prepared.server);
    this.clientTls = prepared.client;
  }

  async addToxic(toxic: ToxicSpec): Promise<void> {
    this.protocolImplementation.checkToxic(toxic, this.name);
    this.roster.add(toxic);
    this.toxicsChanged();
    if (isConnectionToxicSpec(toxic)) {
      await this.onEveryLink((link) => link.pipelines[toxic.stream].addToxic(toxic));
    }
    this.roster.announce('toxic.added', toxic);
  }

  async updateToxic(toxic: ToxicSpec): Promise<void> {
    this.protocolImplementation.checkToxic(toxic, this.name);
    const changed = this.roster.replace(toxic);
    this.toxicsChanged();
    this.releaseHeldBy(toxic);
    this.connectGate?.interrupt(toxic.name);
    if (isConnectionToxicSpec(toxic)) {
      await this.onEveryLink((link) => link.pipelines[toxic.stream].updateToxic(toxic));
    }
    if (changed) this.roster.announce('toxic.updated', toxic);
  }

  async removeToxic(name: string): Promise<void> {
    const toxic = this.roster.remove(name);
    this.toxicsChanged();
    this.releaseHeldBy(toxic);
    this.connectGate?.interrupt(name);
    if (isConnectionToxicSpec(toxic)) {
      await this.onEveryLink((link) => link.pipelines[toxic.stream].removeToxic(name));
    }
    this.roster.announce('toxic.removed', toxic);
  }

  /** Makes each toxic of `wanted` as listed; the others stay (see mergeToxics). */
  async mergeToxics(wanted: readonly ToxicSpec[]): Promise<void> {
    for (const toxic of wanted) this.protocolImplementation.checkToxic(toxic, this.name);
    await mergeToxics(this, wanted);
  }

  stats(): ProxyStats {
    const bytes = structuredClone(this.closedBytes);
    for (const link of this.links) {
      for (const stream of streams) {
        bytes[stream].received += link.pipelines[stream].stats.received;
        bytes[stream].sent += link.pipelines[stream].stats.sent;
      }
    }
    return {
      connectionsTotal: this.serial + this.handshakesFailed,
      bytes,
      bytesByAddress: addressSeries(this.listen, this.upstream, bytes, this.addresses.list()),
      toxicActions: this.roster.actionCounts,
      tlsFailures: this.tlsFailures ?? noCounts,
      upstreamFailures: this.upstreamFailures ?? noCounts,
      upstreamRetries: this.upstreamRetries ?? noCounts,
      protocolMismatches: this.protocolMismatches ?? noCounts,
      requestFaults: this.requestFaults ?? noCounts,
    };
  }

  private async moveListener(listen: string): Promise<void> {
    const previous = this.listen;
    const wasRunning = this.server !== undefined;
    this.stop();
    this.listen = listen;
    try {
      await this.start();
    } catch (error) {
      this.listen = previous;
      if (wasRunning) await this.start().catch(() => undefined);
      throw error;
    }
  }

  private toxicsChanged(): void {
    this.requestToxicList = this.roster.inOrder.filter((toxic) => !isConnectionToxicSpec(toxic));
  }

  private connectionToxics(): ConnectionToxicSpec[] {
    return this.roster.inOrder.filter(isConnectionToxicSpec);
  }

  private dropConnections(): void {
    for (const link of this.links) link.close('destroy');
  }

  private onEveryLink(change: (link: Link) => Promise<void>): Promise<unknown> {
    return Promise.all([...this.links].map(change));
  }

  /**
   * Links the client at once and connects upstream in parallel: the client's first bytes are
   * read while the upstream handshake runs (net.Socket holds writes until it connects), which
   * takes one event-loop turn off every new connection. The connection counts as opened when
   * the upstream answers; if it cannot be reached, both sides close and `connection.failed` says why.
   */
  private accept(accepted: net.Socket): void {
    const session = this.session;
    if (!session) {
      accepted.destroy();
      return;
    }
    // Connect-time toxics (connect_delay, refuse) are connection toxics, so they keep the link path.
    if (this.secureAcceptor) this.secureAcceptor.accept(accepted);
    else {
      const reader = new SocketReader();
      this.route(session, adoptAccepted(accepted, reader), reader);
    }
  }

  /** Terminates TLS with these settings from now on: connections already open keep theirs. */
  private useServerTls(settings: ServerTls | undefined): void {
    if (settings === this.serverTls) return;
    this.serverTls = settings;
    this.secureAcceptor?.close();
    this.secureAcceptor = settings?.acceptor(
      (secure, reader) => {
        if (this.session) this.route(this.session, secure, reader);
        else secure.destroy();
      },
      (client, code, message) => {
        this.handshakesFailed++;
        this.tlsFailed('client', client, code, message);
      },
    );
  }

  /**
   * Every connection goes through a link, http and http2 too: a byte toxic added later then applies
   * to it at once. Serving them without a link and retiring them when a byte toxic came raced the
   * clients' next request (HTTP/1.1 ECONNRESET, HTTP/2 REFUSED_STREAM after GOAWAY).
   */
  private route(session: ProtocolSession, client: net.Socket, reader: Reader): void {
    const id = ++this.serial;
    if (!holdsConnections(this.roster.inOrder)) return this.open(id, client, reader);
    client.on('error', () => undefined);
    void this.gate.admit(id, client).then((admitted) => {
      if (!admitted || !this.session) resetConnection(client);
      else if (!client.destroyed) this.open(id, client, reader);
    });
  }

  /** Connects upstream (or to the protocol's handler) for a client the connect-time toxics let through. */
  private open(id: number, client: net.Socket, reader: Reader): void {
    const session = this.session;
    if (!session) return void client.destroy();
    this.connect(id, session, client, reader);
  }

  /**
   * Links the client at once and connects upstream in parallel: the client's first bytes are
   * read while the upstream handshake runs (net.Socket holds writes until it connects), which
   * takes one event-loop turn off every new connection. The connection counts as opened when
   * the upstream answers; if it cannot be reached, both sides close and `connection.failed` says why.
   */
  private connect(id: number, session: ProtocolSession, client: net.Socket, clientReader: Reader): void {
    if ('serve' in session) return this.serve(id, session, client, clientReader);
    const target = session.linkTarget();
    // Only a tcp link reaches the upstream itself; http and http2 sessions originate TLS on their own.
    const secureUpstream = this.protocol === 'tcp' ? this.clientTls : undefined;
    const { socket: upstream, reader: upstreamReader } = dial(target.host, target.port, secureUpstream);
    const readers = { client: clientReader, upstream: upstreamReader };
    // net dials an IP address on the next tick. Linking on the tick after that sends the SYN
    // first, so the upstream server wakes and accepts while this process builds the link.
    process.nextTick(() => this.linkDialled(id, client, upstream, secureUpstream, readers));
  }

  /** The rest of `connect`, once the upstream's dial has started. */
  private linkDialled(
    id: number,
    client: net.Socket,
    upstream: net.Socket,
    secureUpstream: ClientTls | undefined,
    readers: Record<'client' | 'upstream', Reader>,
  ): void {
    const clientAddress = `${client.remoteAddress}:${client.remotePort}`;
    const { events } = this.environment;
    const failed = (error: NodeJS.ErrnoException) => {
      if (secureUpstream && isTlsError(error)) {
        const reason = `${tlsReason(error)}${upstreamVerifyHint(error)}`;
        this.tlsFailed('upstream', clientAddress, error.code ?? 'ERR_TLS', reason);
      }
      events.emit({
        type: 'connection.failed',
        proxy: this.name,
        // The number this connection took: the next one opened is one higher.
        connection: id,
        client: clientAddress,
        upstream: this.upstream,
        error: connectFailure(error, this.name),
      });
    };
    upstream.once('error', failed);
    upstream.once(secureUpstream ? 'secureConnect' : 'connect', () => {
      upstream.off('error', failed);
      // With TLS 1.3 the server checks a client certificate after the handshake: its alert comes later.
      if (secureUpstream)
        upstream.on('error', (error: NodeJS.ErrnoException) => {
          if (isTlsError(error))
            this.tlsFailed('upstream', clientAddress, error.code ?? 'ERR_TLS', tlsReason(error));
        });
      link.opened = true;
      events.emit({ type: 'connection.opened', proxy: this.name, connection: id, client: clientAddress });
    });
    const link = this.link(id, client, upstream, readers, clientAddress);
    client.resume();
  }

  /** Links the client to the protocol's handler in this process: the connection is open at once. */
  private serve(id: number, session: ServingSession, client: net.Socket, clientReader: Reader): void {
    const readers = { client: clientReader, upstream: new SocketReader() };
    const clientAddress = `${client.remoteAddress}:${client.remotePort}`;
    // A TLS socket says so in `encrypted` (Node's TLSSocket); a plain one has no such field.
    const secure = (client as { encrypted?: boolean }).encrypted === true;
    const served = session.serve({ id, client: client.remoteAddress ?? '', secure });
    served.on('data', (chunk: Buffer) => readers.upstream.onData(chunk));
    this.environment.events.emit({
      type: 'connection.opened',
      proxy: this.name,
      connection: id,
      client: clientAddress,
    });
    this.link(id, client, served, readers, clientAddress).opened = true;
    client.resume();
  }

  protocolMismatch(mismatch: ProtocolMismatch): void {
    const counts = (this.protocolMismatches ??= new Map());
    counts.set(mismatch.received, (counts.get(mismatch.received) ?? 0) + 1);
    // The protocol's handler knows the client's address alone (what match.client compares); the
    // event names the client as connection.opened did, port included, so the two line up.
    let client = mismatch.client;
    for (const link of this.links) if (link.id === mismatch.connection) client = link.clientAddress;
    this.environment.events.emit({ type: 'protocol.mismatch', proxy: this.name, ...mismatch, client });
  }

  tlsFailed(side: 'client' | 'upstream', client: string, code: string, message: string): void {
    const key = `${side} ${code}`;
    const failures = (this.tlsFailures ??= new Map());
    failures.set(key, (failures.get(key) ?? 0) + 1);
    this.environment.events.emit({
      type: 'tls.failed',
      proxy: this.name,
      side,
      client,
      code,
      error: message,
    });
  }

  /** Links a client to its peer; the caller resumes the client once it listens for the peer's events. */
  private link(
    id: number,
    client: net.Socket,
    upstream: LinkPeer,
    readers: Record<'client' | 'upstream', Reader>,
    clientAddress: string,
  ): Link {
    const link = new Link(
      id,
      client,
      upstream,
      clientAddress,
      readers,
      this.connectionToxics(),
      this.linkOwner,
    );
    this.links.add(link);
    return link;
  }

  /** Made with the first connection: one for every link of this proxy. */
  private get linkOwner(): LinkOwner {
    if (this.owner) return this.owner;
    const { clock, busyPoll, budget, random } = this.environment;
    this.owner = {
      clock,
      budget,
      // Only a tcp proxy's links busy-poll after their reads: the loop spins to catch an upstream's
      // reply the link reads, and on http and http2 undici reads it. Measured turn about under 32
      // keep-alive connections, spinning cost an http proxy a fifth more CPU per request and fewer
      // requests per second, as turns that found one event each replaced turns that served a batch.
      activity: this.protocol === 'tcp' ? busyPoll.activity : noActivity,
      random: (link) => random.fork(String(link.id)),
      selects: (link, toxic) =>
        matchesClient(toxic.match, link.client.remoteAddress ?? '') && this.roster.countSelected(toxic),
      acted: (link, toxic, action, first) => this.toxicActed(toxic, action, first, link.id),
      closed: (link) => this.forget(link),
    };
    return this.owner;
  }

  private toxicActed(toxic: ToxicSpec, action: string, first: boolean, connection: number): void {
    this.roster.countAction(toxic);
    if (first || action === 'reset' || action === 'close' || action === 'limit') {
      this.environment.events.emit({
        type: 'toxic.fired',
        proxy: this.name,
        toxic: toxic.name,
        toxicType: toxic.type,
        stream: toxic.stream,
        connection,
        action,
      });
    }
  }

  private forget(link: Link): void {
    if (!this.links.delete(link)) return;
    const bytes = { upstream: 0, downstream: 0 };
    for (const stream of streams) {
      const { received, sent } = link.pipelines[stream].stats;
      this.closedBytes[stream].received += received;
      this.closedBytes[stream].sent += sent;
      bytes[stream] = sent;
    }
    if (!link.opened) return;
    this.environment.events.emit({
      type: 'connection.closed',
      proxy: this.name,
      connection: link.id,
      client: link.clientAddress,
      bytes,
      durationMs: Math.round(this.environment.clock.now() - link.openedAt),
    });
  }
}

/** Connects to the upstream, over TLS when `secure` says how, reading into a reader made for it. */
function dial(
  host: string,
  port: number,
  secure: ClientTls | undefined,
): { socket: net.Socket; reader: Reader } {
  if (secure) {
    const reader = new RecordReader();
    return { socket: secure.connect(host, port, reader), reader };
  }
  const reader = new SocketReader();
  return { socket: connectWithReader(host, port, reader), reader };
}
