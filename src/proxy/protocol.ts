import { FaultlineError } from '../model/errors.js';
import type { ProxyProtocol } from '../model/protocol.js';
import { requestOnlyKeys } from '../model/match.js';
import { isConnectionToxicSpec, type ToxicSpec } from '../model/toxic.js';
import { definitionOf } from '../model/toxics/index.js';
import type { MemorySocket } from './memory-socket.js';
import { streamCounterparts } from './toxic-counterparts.js';
import type { ProxyView } from './proxy-view.js';
import type { ProxySpec } from '../model/proxy-spec.js';
import type { EngineProxy } from './engine-proxy.js';
import type { ProxyEnvironment } from './proxy.js';

/** Where a tcp proxy's links carry each client's bytes once the connection toxics are applied. */
export interface LinkTarget {
  host: string;
  port: number;
}

interface SessionBase {
  /** Drops what the protocol holds for the upstream (pooled connections), e.g. when it changes. */
  upstreamChanged?(): void;
  /** Requests in flight the session counts itself, beside those counted with ProxyView.requestStarted. */
  requestsInFlight?(): number;
  close(): void;
}

/** A protocol whose links connect to the upstream over TCP. */
export interface ForwardingSession extends SessionBase {
  /** Where each accepted connection's link connects. */
  linkTarget(): LinkTarget;
}

/** A protocol that serves each connection in the proxy's own process, at the end of its link. */
export interface ServingSession extends SessionBase {
  /** Starts serving connection `id` from `client`; the link writes to and reads from the returned end. */
  serve(connection: ServedConnection): MemorySocket;
}

export interface ServedConnection {
  readonly id: number;
  readonly client: string;
  /** The client's connection is TLS (the proxy terminates it): its requests' scheme is https. */
  readonly secure?: boolean;
}

/** What a protocol runs for one started proxy. */
export type ProtocolSession = ForwardingSession | ServingSession;

/**
 * How a proxy reads traffic. The engine and the API ask the protocol, never test the name:
 * which proxies and toxics it accepts, and how a started proxy handles its connections.
 */
export interface Protocol {
  readonly name: ProxyProtocol;
  /** Refuses, with a 400, a proxy the protocol cannot run. */
  checkProxy(name: string): void;
  /** Refuses, with a 400, a toxic the protocol cannot run. */
  checkToxic(toxic: ToxicSpec, proxy: string): void;
  open(proxy: ProxyView): Promise<ProtocolSession>;
  /** A protocol that does not run on tcp listeners and links (udp) builds its own kind of proxy. */
  createProxy?(spec: ProxySpec, environment: ProxyEnvironment): EngineProxy;
}

/** Refuses toxics whose definition does not list `protocol`. */
export function checkToxicProtocol(toxic: ToxicSpec, protocol: ProxyProtocol, proxy: string): void {
  const accepted = definitionOf(toxic.type).protocols;
  if (accepted === undefined || accepted.includes(protocol)) return;
  throw new FaultlineError(
    'FAULTLINE_ERR_INVALID_TOXIC_TYPE',
    `toxic type ${toxic.type} needs a proxy with protocol ${accepted.join(' or ')}`,
    {
      hint: `proxy ${JSON.stringify(proxy)} has protocol ${protocol}; ${otherToxic(toxic.type, `create a proxy with "protocol": "${accepted[0] ?? 'http'}" in front of the service`)}`,
    },
  );
}

/**
 * What to use instead: the byte toxic that does on a stream what a datagram toxic does (as the
 * udp proxy names the reverse), or any byte toxic.
 */
function otherToxic(type: string, otherProxy: string): string {
  const counterpart = streamCounterparts[type];
  return counterpart
    ? `use ${counterpart} instead, or ${otherProxy}`
    : `${otherProxy}, or use a byte toxic (latency, timeout, reset_peer, ...)`;
}

/** A connection toxic can only match what a connection shows: the client address. */
export function checkConnectionMatch(toxic: ToxicSpec, protocol: ProxyProtocol, proxy: string): void {
  const keys = requestOnlyKeys(toxic.match);
  if (keys.length === 0) return;
  const why = isConnectionToxicSpec(toxic)
    ? `${toxic.type} acts on the bytes of a connection, where only match.client is known`
    : `proxy ${JSON.stringify(proxy)} has protocol ${protocol}, which does not read requests`;
  throw new FaultlineError(
    'FAULTLINE_ERR_INVALID_ATTRIBUTE',
    `match key ${keys.join(', ')} needs a request toxic on an http or http2 proxy`,
    {
      hint: `toxic ${JSON.stringify(toxic.name)}: ${why}; accepted here: match.client (addresses or CIDR blocks)`,
    },
  );
}
