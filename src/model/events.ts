import type { ProxyProtocol } from './protocol.js';
import type { Stream, ToxicSpec } from './toxic.js';

export interface ProxySummary {
  name: string;
  listen: string;
  upstream: string;
  enabled: boolean;
  /** Left out for tcp, as in the proxy's JSON, so a tcp proxy's event is what it always was. */
  protocol?: Exclude<ProxyProtocol, 'tcp'>;
}

/** Everything the engine reports. The server turns these into /events, metrics and logs. */
export type EngineEvent =
  | { type: 'proxy.created'; proxy: ProxySummary }
  | { type: 'proxy.updated'; proxy: ProxySummary }
  | { type: 'proxy.deleted'; proxy: ProxySummary }
  | { type: 'toxic.added'; proxy: string; toxic: ToxicSpec; explanation: string }
  | { type: 'toxic.updated'; proxy: string; toxic: ToxicSpec; explanation: string }
  | { type: 'toxic.removed'; proxy: string; toxic: ToxicSpec }
  | { type: 'connection.opened'; proxy: string; connection: number; client: string; protocol?: 'udp' }
  | {
      type: 'connection.closed';
      proxy: string;
      connection: number;
      client: string;
      bytes: Record<Stream, number>;
      durationMs: number;
      /** Only on a udp proxy's events, whose connection is a flow (one client address). */
      protocol?: 'udp';
    }
  | {
      type: 'connection.failed';
      proxy: string;
      /**
       * The number a tcp connection took (the next one opened is one higher), or the udp flow whose
       * upstream socket failed; absent where no flow was opened.
       */
      connection?: number;
      client: string;
      upstream: string;
      error: string;
      /** Only on a udp proxy's events. */
      protocol?: 'udp';
    }
  | {
      /** A TLS handshake failed: with a client (termination) or with the upstream (origination). */
      type: 'tls.failed';
      proxy: string;
      side: 'client' | 'upstream';
      client: string;
      /** OpenSSL's or Node's code, e.g. ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN, ETIMEDOUT. */
      code: string;
      error: string;
    }
  | {
      type: 'toxic.fired';
      proxy: string;
      toxic: string;
      toxicType: string;
      stream: Stream;
      connection: number;
      action: string;
      protocol?: 'udp';
    }
  | {
      /** A request toxic (or a header-driven fault) acted on one request of an http/http2 proxy. */
      type: 'http.fault';
      proxy: string;
      toxic: string;
      toxicType: string;
      connection: number;
      method: string;
      path: string;
      action: string;
      /** The status the client got, when the fault decided it. */
      status?: number;
      /** The gRPC status a gRPC call ended with: the fault's, or the upstream's for a forwarded call. */
      grpcCode?: number;
      /**
       * The fault (toxic or header name) that decided `status` or `grpcCode`: this one or another
       * on the same request; absent when it is the upstream's status or the proxy's 502/504.
       */
      statusBy?: string;
      /** The body change this toxic asked for was not made, and why (the original body passed). */
      skipped?: string;
      /** The client went away this long after a delay began to hold its request or answer: it got nothing. */
      clientLeftAfterMs?: number;
      /**
       * The client left an HTTP/2 stream by RST_STREAM with this code: 8 CANCEL for a cancelled
       * call or a passed deadline (grpc-js: `4 DEADLINE_EXCEEDED`); absent when its connection went.
       */
      rstCode?: number;
      /**
       * A gRPC call with a body (reported at its end, by its status) that the upstream cut after
       * its headers: the client got `status` and `bodyBytes` of the body, then its stream was cut
       * too (Envoy's access log: the status with flag UC or UR). Any other answer is reported as
       * its headers go out: a cut after that is an `http.upstream_failed` event.
       */
      cut?: true;
      /**
       * The client went away before its answer's headers, with no `status` (Envoy's flag DC,
       * code 0); or, on a gRPC call with a body, before its end, after `status` and `bodyBytes`.
       */
      clientLeft?: true;
      /** With `cut` or `clientLeft` on a gRPC call: the bytes of the body the client got. */
      bodyBytes?: number;
      /**
       * A delay's event: how long the request (`delay_request`) or its answer (`delay_response`)
       * was held, by every delay at that stage together (a removed delay holds no longer).
       */
      heldMs?: number;
    }
  | {
      /**
       * The upstream of an http/http2 proxy failed one request: it could not be reached, did not
       * speak HTTP or did not answer in time (the client got `status`, 502 or 504, with `error`),
       * or it cut its answer after the headers (`cut`: the client got the upstream's `status` and
       * `bodyBytes` of the body, then its connection or stream was cut, as the upstream's was).
       */
      type: 'http.upstream_failed';
      proxy: string;
      connection: number;
      method: string;
      path: string;
      upstream: string;
      status: number;
      /** A gRPC call got this gRPC status (14 UNAVAILABLE) in place of the HTTP `status` the proxy's answer stands for. */
      grpcCode?: number;
      cut?: true;
      bodyBytes?: number;
      error: string;
    }
  | {
      /**
       * An HTTP/2 stream of an http2 proxy (a gRPC streaming call, server-sent events) still open
       * a second after it arrived: `openMs` since then, the `status` of the answer's headers once
       * they went to the client, and the `bodyBytes` of its body the client got so far.
       */
      type: 'stream.opened';
      proxy: string;
      connection: number;
      streamId: number;
      method: string;
      path: string;
      openMs: number;
      status?: number;
      bodyBytes: number;
    }
  | {
      /**
       * A stream announced by `stream.opened` closed, after `durationMs` and `bodyBytes`: `ended`
       * whole (with the `grpcCode` the client got), `client_reset` (the client sent RST_STREAM
       * `rstCode`: 8 CANCEL for a cancelled call or a deadline), `upstream_reset` (the upstream
       * failed it after its headers, `error` says how; the client got RST_STREAM `rstCode`), or
       * `connection_closed` (the client's connection closed: a toxic on it, or the client gone).
       */
      type: 'stream.closed';
      proxy: string;
      connection: number;
      streamId: number;
      method: string;
      path: string;
      durationMs: number;
      status?: number;
      bodyBytes: number;
      end: StreamEnd;
      grpcCode?: number;
      rstCode?: number;
      error?: string;
    }
  | {
      /**
       * A connection spoke another protocol than its proxy: HTTP/1.x to an http2 proxy, HTTP/2 to
       * an http proxy (each answered with a status whose body says what to change), a TLS
       * handshake or unknown bytes to an http2 proxy (closed). `answer` is what the client got.
       */
      type: 'protocol.mismatch';
      proxy: string;
      connection: number;
      client: string;
      received: MismatchedProtocol;
      /** The request line, or the first bytes in hex. */
      detail?: string;
      answer: string;
    }
  | HaltEvent;

/**
 * POST /halt has finished: why (who asked, and their reason), each fault it stopped and each it
 * could not, as its answer lists them. It names no proxy: it reaches every one.
 */
export interface HaltEvent {
  type: 'halt';
  reason: string;
  undone: string[];
  /**
   * Recorded faults left in place, each with why (someone made the proxy or toxic again); absent
   * from the events of servers before it.
   */
  left?: string[];
  failed: string[];
  durationMs: number;
}

/** How a long HTTP/2 stream ended: a stream.closed event's `end`. */
export type StreamEnd = 'ended' | 'client_reset' | 'upstream_reset' | 'connection_closed';

/** What a connection spoke that its proxy does not: a protocol.mismatch event's `received`. */
export type MismatchedProtocol = 'HTTP/1.x' | 'HTTP/2' | 'TLS' | 'unknown';

export type EngineEventType = EngineEvent['type'];

/** Every event type once. */
export const engineEventTypes = [
  'proxy.created',
  'proxy.updated',
  'proxy.deleted',
  'toxic.added',
  'toxic.updated',
  'toxic.removed',
  'connection.opened',
  'connection.closed',
  'connection.failed',
  'tls.failed',
  'toxic.fired',
  'http.fault',
  'http.upstream_failed',
  'stream.opened',
  'stream.closed',
  'protocol.mismatch',
  'halt',
] as const satisfies readonly EngineEventType[];

/** Fails to compile while an event type is missing from the list above. */
type Complete<Missing extends never> = Missing;
export type EventTypesListed = Complete<Exclude<EngineEventType, (typeof engineEventTypes)[number]>>;

/** Whether an event of type `type` passes a `types` filter entry: the type itself or a prefix up to a dot. */
export function typeMatches(type: string, prefix: string): boolean {
  return type === prefix || type.startsWith(`${prefix}.`);
}

/** The entries of a `types` filter that no event type can pass, so they would show nothing. */
export function unknownEventTypes(prefixes: readonly string[]): string[] {
  return prefixes.filter((prefix) => !engineEventTypes.some((type) => typeMatches(type, prefix)));
}

/**
 * One line for a halt event: who asked and why, then what it undid, what it left in place (and
 * why) and what it could not undo.
 */
export function haltSummary(
  event: Pick<HaltEvent, 'reason' | 'undone' | 'left' | 'failed' | 'durationMs'>,
): string {
  // Each item is a sentence of its own ("removed the …", "could not enable proxy …").
  const left = event.left ?? [];
  let undone = `undone: ${event.undone.join('; ')}`;
  if (event.undone.length === 0) undone = left.length === 0 ? 'nothing was left to undo' : 'nothing undone';
  const leftAlone = left.length === 0 ? '' : `; left in place: ${left.join('; ')}`;
  const failed = event.failed.length === 0 ? '' : `; failed: ${event.failed.join('; ')}`;
  return `halted in ${event.durationMs} ms (${event.reason}): ${undone}${leftAlone}${failed}`;
}

/** The proxy an event is about; none for a halt, which reaches every proxy. */
export function eventProxyName(event: EngineEvent): string | undefined {
  if (!('proxy' in event)) return undefined;
  return typeof event.proxy === 'string' ? event.proxy : event.proxy.name;
}

/**
 * A failed TLS handshake in words, the same in `faultline watch` and the dashboard: `TLS handshake
 * with the client 127.0.0.1:40512 failed: CODE (why)`.
 */
export function tlsFailureSentence(event: Readonly<Record<string, unknown>>): string {
  const peer = event.side === 'client' ? `client ${String(event.client)}` : 'upstream';
  return `TLS handshake with the ${peer} failed: ${String(event.code)} (${String(event.error)})`;
}

/** What an event calls its connection: a udp proxy's connections are flows, and its events say so. */
export function connectionNoun(event: {
  readonly type: string;
  readonly protocol?: unknown;
}): 'flow' | 'connection' {
  return event.protocol === 'udp' ? 'flow' : 'connection';
}
