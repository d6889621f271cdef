import type { ProxyView } from '../proxy-view.js';
import {
  actedFaults,
  actedWithoutAnswer,
  type Actor,
  dropPendingFaults,
  type RequestPlan,
} from './request-plan.js';
import { isTlsError, tlsReason, upstreamVerifyHint } from '../tls/tls-errors.js';
import { heldMs } from './hold.js';
import { connectFailureWords, socketErrorMessage, whatToDo } from '../socket-error-words.js';

export interface RequestLabel {
  readonly connection: number;
  readonly method: string;
  readonly path: string;
}

/**
 * An answer that did not reach its end: the upstream cut it after its headers, or the client
 * left; `bodyBytes` the client got once its headers went out (undefined before).
 */
export interface Unfinished {
  readonly by: 'upstream' | 'client';
  readonly bodyBytes: number | undefined;
}

/** What the client got of a request the faults acted on. */
export interface FiredOutcome {
  status?: number | undefined;
  grpcCode?: number | undefined;
  skipped?: string | undefined;
  clientLeftAfterMs?: number;
  /** The client left an HTTP/2 stream by RST_STREAM with this code (8 CANCEL: a cancel, a passed deadline). */
  clientResetCode?: number | undefined;
  upstreamFailed?: boolean;
  /**
   * The client got the proxy's own answer (with `upstreamFailed`) in place of the upstream's: the
   * faults on the answer did nothing to it and are not reported ([actedWithoutAnswer]).
   */
  unanswered?: boolean;
  unfinished?: Unfinished | undefined;
}

/**
 * One http.fault event per toxic (or header) that acted on the request, with what it did and what
 * the client got (or when it left); `statusBy` names the fault that decided that status or gRPC
 * code, so another fault on the request is not credited with it. `upstreamFailed`: the status is
 * the proxy's answer to a failed upstream, which no fault decided. An `unfinished` answer counts
 * as `cut` or `client left` for every fault on it: the status alone would say it succeeded.
 */
export function reportFired(
  proxy: ProxyView,
  plan: RequestPlan,
  request: RequestLabel,
  outcome: FiredOutcome,
): void {
  const decider = outcome.upstreamFailed === true ? undefined : decidedBy(plan, outcome);
  const unfinished = outcome.unfinished;
  const result =
    outcome.clientLeftAfterMs !== undefined || unfinished?.by === 'client'
      ? 'client left'
      : unfinished?.by === 'upstream'
        ? 'cut'
        : outcome.grpcCode !== undefined
          ? `grpc ${outcome.grpcCode}`
          : outcome.status !== undefined
            ? String(outcome.status)
            : undefined;
  const acted =
    outcome.unanswered === true
      ? actedWithoutAnswer(plan, heldMs(plan, 'response') !== undefined)
      : actedFaults(plan);
  for (const { by, action } of acted) {
    const skipped = by === plan.bodyBy ? outcome.skipped : undefined;
    // A status another fault set is not this one's outcome: what it did is.
    const own = unfinished !== undefined || decider === undefined || decider === by ? result : undefined;
    const counted = skipped === undefined || unfinished !== undefined ? (own ?? action) : 'skipped';
    const held =
      outcome.clientLeftAfterMs === undefined && action.startsWith('delay_')
        ? heldMs(plan, action === 'delay_request' ? 'request' : 'response')
        : undefined;
    // A request delay was counted as it began to hold the request (planRequest).
    if (by.toxic !== undefined && action !== 'delay_request') proxy.countAction(by.toxic);
    proxy.countFault({ toxic: by.name, type: by.type, method: request.method, outcome: counted });
    proxy.environment.events.emit({
      type: 'http.fault',
      proxy: proxy.name,
      toxic: by.name,
      toxicType: by.type,
      connection: request.connection,
      method: request.method,
      path: request.path,
      action,
      ...(outcome.status === undefined ? {} : { status: outcome.status }),
      ...(outcome.grpcCode === undefined ? {} : { grpcCode: outcome.grpcCode }),
      ...(decider === undefined ? {} : { statusBy: decider.name }),
      ...(skipped === undefined ? {} : { skipped }),
      ...(outcome.clientLeftAfterMs === undefined ? {} : { clientLeftAfterMs: outcome.clientLeftAfterMs }),
      ...(outcome.clientResetCode === undefined ? {} : { rstCode: outcome.clientResetCode }),
      ...(unfinished === undefined
        ? {}
        : unfinished.by === 'upstream'
          ? { cut: true as const }
          : { clientLeft: true as const }),
      ...(unfinished?.bodyBytes === undefined ? {} : { bodyBytes: unfinished.bodyBytes }),
      ...(held === undefined ? {} : { heldMs: held }),
    });
  }
}

/** The actor whose abort, gRPC code or http_modify status is the one the client got, if any. */
function decidedBy(plan: RequestPlan, outcome: FiredOutcome): Actor | undefined {
  const abort = plan.abort;
  if (outcome.grpcCode !== undefined) return abort?.kind === 'grpc' ? abort.by : undefined;
  if (outcome.status === undefined) return undefined;
  if (abort?.kind === 'respond') return abort.status === outcome.status ? abort.by : undefined;
  return plan.status === outcome.status ? plan.statusBy : undefined;
}

/**
 * The client went away while a delay held its request (`request`) or its answer (`response`):
 * the faults that had acted (the delays, a request rewrite) say so, with how long it was held.
 */
export function reportClientLeft(
  proxy: ProxyView,
  plan: RequestPlan,
  request: RequestLabel,
  stage: 'request' | 'response',
  heldMs: number,
  clientResetCode?: number,
): void {
  dropPendingFaults(plan, stage);
  reportFired(proxy, plan, request, { clientLeftAfterMs: heldMs, clientResetCode });
}

/**
 * The upstream failed this request: the client got `status` (502, 504) saying so (a gRPC call
 * `grpcCode` in its place), or, when the upstream's own answer was cut after its headers, that
 * status and `cutAfter` bytes of its body.
 */
export function reportUpstreamFailure(
  proxy: ProxyView,
  request: RequestLabel,
  error: string,
  status: number,
  cutAfter?: number,
  grpcCode?: number,
): void {
  proxy.countUpstreamFailure(status, cutAfter !== undefined);
  proxy.environment.events.emit({
    type: 'http.upstream_failed',
    proxy: proxy.name,
    connection: request.connection,
    method: request.method,
    path: request.path,
    upstream: proxy.upstream,
    status,
    ...(grpcCode === undefined ? {} : { grpcCode }),
    ...(cutAfter === undefined ? {} : { cut: true as const, bodyBytes: cutAfter }),
    error,
  });
}

/** What the event says when the upstream cut its answer in the middle of the body. */
export function answerCut(
  proxy: ProxyView,
  bodyBytes: number | undefined,
  error: Error & { code?: string },
): string {
  const code = error.code ? `${error.code}: ` : '';
  const after = bodyBytes === undefined ? '' : ` after ${bodyBytes} bytes of the body`;
  return `faultline: the upstream ${proxy.upstream} cut its answer${after} (${code}${error.message})`;
}

/** An upstream that took the request but sent no response headers in time gets a 504, not a 502. */
export function isResponseTimeout(error: Error & { code?: string }): boolean {
  return error.code === 'UND_ERR_HEADERS_TIMEOUT';
}

/** What the client reads in a 502 or 504, and what the event says. */
export function upstreamFailure(
  proxy: ProxyView,
  error: Error & { code?: string },
  timeoutMs?: number,
): string {
  const upstream = proxy.upstream;
  // An http2 stream whose session never connected is cancelled; the session's error says why.
  if (error.code === 'ERR_HTTP2_STREAM_CANCEL' && error.cause instanceof Error)
    return upstreamFailure(proxy, error.cause as Error & { code?: string }, timeoutMs);
  const code = error.code ?? '';
  if (isResponseTimeout(error)) {
    return `faultline: the upstream ${upstream} sent no response headers within ${timeoutMs ?? '?'} ms (the upstream response timeout)`;
  }
  if (isTlsError(error)) {
    proxy.tlsFailed('upstream', `a request to ${proxy.name}`, code, tlsReason(error));
    const hint = /CERTIFICATE_REQUIRED/.test(code)
      ? '; the upstream requires a client certificate: set upstream_tls.cert and upstream_tls.key on the proxy'
      : /NO_APPLICATION_PROTOCOL/.test(code) && proxy.protocol === 'http2'
        ? '; the upstream does not speak HTTP/2 over TLS (ALPN h2): for an HTTP/1.1 upstream use a proxy with protocol http'
        : upstreamVerifyHint(error);
    return `faultline: the TLS handshake with the upstream ${upstream} failed (${code}: ${tlsReason(error)})${hint}`;
  }
  // Only a failed connect says the request never reached the upstream.
  const words = connectFailureWords(error);
  if (words !== undefined)
    return `faultline: could not connect to the upstream ${upstream} (${code}): ${words.happened}${whatToDo(words, proxy.name)}`;
  if (code === 'UND_ERR_SOCKET' && error.message === 'other side closed') {
    const tls =
      proxy.upstreamTlsOptions === undefined
        ? '; an HTTPS upstream does that to plain HTTP: if it speaks TLS, give the proxy upstream_tls (faultline create --upstream-tls)'
        : '';
    return `faultline: the upstream ${upstream} closed the connection without answering (${code}: ${error.message})${tls}`;
  }
  // node fails every stream of a session whose GOAWAY carries an error code.
  if (code === 'ERR_HTTP2_SESSION_ERROR')
    return `faultline: the upstream ${upstream} sent GOAWAY while the stream was in flight, and may have processed it, so it was not sent again (${code}: ${error.message})`;
  if (code === 'ERR_HTTP2_STREAM_CLOSED_UNANSWERED' || /NGHTTP2_REFUSED_STREAM/.test(error.message))
    return `faultline: the upstream ${upstream} closed the stream without answering (${code}: ${error.message})`;
  return `faultline: the upstream ${upstream} did not answer with HTTP (${code ? `${code}: ` : ''}${socketErrorMessage(error)})`;
}

/**
 * A request line as events and logs show it: the query, which may carry a credential
 * (`?access_token=…`), is shown as `?…`, as events name a request by its path alone.
 */
export function shownRequestLine(line: string): string {
  return line.replace(/^(\S*\s+[^?\s]*)\?\S*/, '$1?…');
}

/** Splits a request target into path and query; an absolute-form target keeps only its path. */
export function splitTarget(target: string): { path: string; query: string } {
  let rest = target;
  if (!rest.startsWith('/')) {
    const scheme = rest.indexOf('://');
    const slash = scheme === -1 ? -1 : rest.indexOf('/', scheme + 3);
    rest = slash === -1 ? '/' : rest.slice(slash);
  }
  const mark = rest.indexOf('?');
  return mark === -1 ? { path: rest, query: '' } : { path: rest.slice(0, mark), query: rest.slice(mark + 1) };
}
