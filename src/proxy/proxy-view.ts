import type { ConnectionOptions } from 'node:tls';
import type { MismatchedProtocol } from '../model/events.js';
import type { ProxyProtocol } from '../model/protocol.js';
import type { ToxicSpec } from '../model/toxic.js';
import type { ProxyEnvironment } from './proxy.js';

/** What a protocol sees of the proxy it serves: live values, read on every request. */
export interface ProxyView {
  readonly name: string;
  readonly protocol: ProxyProtocol;
  readonly upstream: string;
  readonly headerFaults: boolean;
  /** How to reach the upstream over TLS (upstream_tls), or undefined for plain text; a new object on each change. */
  readonly upstreamTlsOptions: ConnectionOptions | undefined;
  /** The request toxics, in the order they were added. */
  readonly requestToxics: readonly ToxicSpec[];
  /**
   * Aborts when a request toxic is updated or removed (a fresh signal follows): what a delay
   * holds goes on at once, as an interrupted byte toxic passes on what it holds.
   */
  readonly requestToxicsChanged: AbortSignal;
  /** A delay starts holding a request or an answer; the function returned says it ended. */
  holdStarted(): () => void;
  /** A request (an HTTP/2 stream, an HTTP/1.1 request) arrived; the function returned says it closed. */
  requestStarted(): () => void;
  readonly environment: ProxyEnvironment;
  /** Counts toxic actions for metrics, as connection toxics do. */
  countAction(toxic: ToxicSpec): void;
  /** Counts one request fault for metrics: by toxic, method and what the client got. */
  countFault(fault: RequestFaultKey): void;
  /** Counts one request the upstream failed, by the status the client got and whether its answer was cut. */
  countUpstreamFailure(status: number, cut: boolean): void;
  /** Counts one request sent upstream again, after the upstream left it unprocessed. */
  countUpstreamRetry(reason: UpstreamRetryReason): void;
  /** A TLS handshake failed: a tls.failed event and the metric. */
  tlsFailed(side: 'client' | 'upstream', client: string, code: string, message: string): void;
  /** A connection spoke another protocol (`received`): a protocol.mismatch event and the metric. */
  protocolMismatch(mismatch: ProtocolMismatch): void;
  /** Whether the toxic's counters let this one through (the match was already checked). */
  countSelected(toxic: ToxicSpec): boolean;
}

/**
 * Why an http2 stream was sent upstream again: the upstream refused it (RST_STREAM
 * REFUSED_STREAM, RFC 9113 §8.7), or its GOAWAY's last stream id was below it (§6.8).
 */
export type UpstreamRetryReason = 'refused_stream' | 'goaway';

/** One row of faultline_http_faults_total. */
export interface RequestFaultKey {
  readonly toxic: string;
  readonly type: string;
  readonly method: string;
  /** "503", "grpc 14", or the action when the fault decided no status (a reset). */
  readonly outcome: string;
}

/** A connection that spoke another protocol than its proxy, and what it got. */
export interface ProtocolMismatch {
  readonly connection: number;
  readonly client: string;
  readonly received: MismatchedProtocol;
  readonly detail?: string;
  readonly answer: string;
}
