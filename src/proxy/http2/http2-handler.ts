import { once } from 'node:events';
import http2 from 'node:http2';
import type { RequestFacts } from '../../model/match.js';
import type { ClientTable } from '../http/client-table.js';
import { hold } from '../http/hold.js';
import { dropsFaultHeaders, faultHeaders } from '../http/header-faults.js';
import { isHopHeader } from '../http/hop-headers.js';
import {
  answerCut,
  reportClientLeft,
  reportFired,
  reportUpstreamFailure,
  type RequestLabel,
  splitTarget,
  upstreamFailure,
} from '../http/report.js';
import { type HeaderEdits, planRequest, type RequestPlan, type ToxicRandoms } from '../http/request-plan.js';
import {
  describeSentBody,
  editHeaders,
  MAX_REWRITE_BYTES,
  replacesBody,
  rewriteBody,
  rewritesBody,
  TOO_LARGE_TO_PATCH,
} from '../http/rewrite.js';
import type { ProxyView } from '../proxy-view.js';
import { isBodiless } from '../http/bodiless-length.js';
import { isGrpcCall } from '../http/grpc-call.js';
import { passesInterim } from '../http/interim.js';
import { answerGrpcStatus } from './grpc-message.js';
import { grpcStatusIn, splitStatusEdits } from './grpc-outcome.js';
import { SentBody } from './sent-body.js';
import type { UpstreamSession } from './upstream-session.js';
import type { LongStreams } from './long-streams.js';
import { throttled } from '../http/throttle.js';
import { AnswerReport } from '../http/answer-report.js';
import { http2ErrorCode } from '../../model/http2-error-codes.js';

/** The gRPC status for a request whose fault headers are invalid. */
const GRPC_INVALID_ARGUMENT = 3;
/** The gRPC status for a call whose upstream failed, as Envoy's local replies map a 502 or 503. */
const GRPC_UNAVAILABLE = 14;

const {
  HTTP2_HEADER_STATUS,
  NGHTTP2_CANCEL,
  NGHTTP2_INTERNAL_ERROR,
  NGHTTP2_FLAG_END_STREAM,
  NGHTTP2_NO_ERROR,
  NGHTTP2_REFUSED_STREAM,
} = http2.constants;

/** How often a request goes upstream at most: the upstream may refuse it unprocessed (RFC 9113 §8.7). */
const MAX_ATTEMPTS = 3;

type Headers = http2.IncomingHttpHeaders;

/**
 * What of a forwarded answer has passed so far: body bytes to the client, the upstream's
 * trailers, and the edits they get (a gRPC call's status fields, which travel in them).
 */
interface Passed {
  bodyBytes: number;
  trailers: Headers | undefined;
  trailerEdits: HeaderEdits;
  /** Reports the request's faults once they acted; undefined with no plan. */
  report: AnswerReport | undefined;
  /**
   * Reports a forwarded answer, set once its headers went out: called then, or, for a gRPC call
   * whose status comes in its trailers, when it ends whole.
   */
  whole: (() => void) | undefined;
  /** A response delay holds the answer: a client that leaves is reported as the delay's. */
  holding: boolean;
  /**
   * The upstream failed its answer (an error after its headers) while a response delay held
   * them: the client gets it when the hold ends, as it would have without the delay.
   */
  heldCut: Error | undefined;
  /** The upstream's answer ended whole and the client's stream was ended (node ends it on a reset too). */
  ended: boolean;
  /** The body length the upstream's content-length announced, when the answer has a body. */
  announced: number | undefined;
  /** The upstream connection the answer comes on: node closes its streams with CANCEL when it is lost. */
  upstreamSession: http2.ClientHttp2Session | undefined;
}

/**
 * Serves each HTTP/2 stream: plans the request toxics, then answers itself (a status, a gRPC
 * status in trailers-only form, or RST_STREAM) or forwards the stream to the upstream session,
 * with its body, response headers, data and trailers (which gRPC needs).
 */
export class Http2Handler {
  constructor(
    private readonly proxy: ProxyView,
    private readonly clients: ClientTable,
    private readonly randoms: ToxicRandoms,
    private readonly upstream: UpstreamSession,
    private readonly longStreams: LongStreams,
  ) {}

  /** Each stream's client connection: a closed stream no longer names it. */
  private readonly sessions = new WeakMap<http2.ServerHttp2Stream, http2.Http2Session>();

  readonly handle = (stream: http2.ServerHttp2Stream, headers: Headers, flags: number): void => {
    stream.on('error', () => stream.destroy());
    stream.once('close', this.proxy.requestStarted());
    this.sessions.set(stream, stream.session!);
    const linked = this.clients.find(stream.session);
    const method = String(headers[':method'] ?? 'GET');
    const { path, query } = splitTarget(String(headers[':path'] ?? '/'));
    const facts: RequestFacts = { method, path, query, headers, client: linked.client };
    const plan = planRequest(this.proxy, facts, this.randoms);
    const label = { connection: linked.id, method, path };
    const hasBody = (flags & NGHTTP2_FLAG_END_STREAM) === 0;
    this.longStreams.track(stream, label);
    if (plan === undefined) {
      try {
        this.forward(stream, headers, hasBody, undefined, label);
      } catch {
        stream.destroy();
      }
    }
    // Whatever goes wrong with one stream ends that stream, never the server.
    else this.run(stream, headers, hasBody, plan, label).catch(() => stream.destroy());
  };

  /**
   * The code of the RST_STREAM a client left its stream by (8 CANCEL: grpc-js on a cancel or a
   * passed deadline); undefined when its connection went instead.
   */
  private clientReset(stream: http2.ServerHttp2Stream): number | undefined {
    const code = stream.rstCode;
    if (code === undefined || code === NGHTTP2_NO_ERROR || this.sessions.get(stream)?.destroyed !== false)
      return undefined;
    return code;
  }

  private async run(
    stream: http2.ServerHttp2Stream,
    headers: Headers,
    hasBody: boolean,
    plan: RequestPlan,
    label: RequestLabel,
  ): Promise<void> {
    if (plan.problem !== undefined) {
      // A gRPC client shows a status and its message, not an HTTP 400's body: INVALID_ARGUMENT says it.
      if (isGrpcCall(headers)) answerGrpcStatus(stream, GRPC_INVALID_ARGUMENT, plan.problem.trimEnd());
      else {
        stream.respond({ [HTTP2_HEADER_STATUS]: 400, 'content-type': 'text/plain; charset=utf-8' });
        stream.end(plan.problem);
      }
      return;
    }
    if (plan.requestDelay > 0) {
      const gone = new AbortController();
      const onClose = () => gone.abort();
      stream.once('close', onClose);
      const held = await hold(this.proxy, plan, 'request', gone.signal);
      stream.off('close', onClose);
      if (held.clientLeft) {
        reportClientLeft(this.proxy, plan, label, 'request', held.heldMs, this.clientReset(stream));
        return;
      }
    }
    const abort = plan.abort;
    if (abort?.kind === 'reset') {
      reportFired(this.proxy, plan, label, {});
      stream.close(NGHTTP2_INTERNAL_ERROR);
    } else if (abort?.kind === 'grpc') {
      reportFired(this.proxy, plan, label, { grpcCode: abort.code });
      answerGrpcStatus(stream, abort.code, abort.message);
    } else if (abort && isBodiless(abort.status)) {
      reportFired(this.proxy, plan, label, { status: abort.status });
      stream.respond({ ...abort.headers, [HTTP2_HEADER_STATUS]: abort.status }, { endStream: true });
    } else if (abort) {
      reportFired(this.proxy, plan, label, { status: abort.status });
      const body = Buffer.from(abort.body);
      stream.respond({
        ...abort.headers,
        [HTTP2_HEADER_STATUS]: abort.status,
        'content-length': body.length,
      });
      stream.end(body);
    } else this.forward(stream, headers, hasBody, plan, label);
  }

  private forward(
    stream: http2.ServerHttp2Stream,
    headers: Headers,
    hasBody: boolean,
    plan: RequestPlan | undefined,
    label: RequestLabel,
  ): void {
    const upstreamHeaders = this.requestHeaders(headers, plan);
    const grpcCall = isGrpcCall(headers);
    const sent = hasBody ? new SentBody(stream) : undefined;
    let outgoing: http2.ClientHttp2Stream | undefined;
    let attempts = 0;
    const passed: Passed = {
      bodyBytes: 0,
      trailers: undefined,
      trailerEdits: {},
      report: plan ? new AnswerReport(this.proxy, plan, label) : undefined,
      whole: undefined,
      holding: false,
      heldCut: undefined,
      ended: false,
      announced: undefined,
      upstreamSession: undefined,
    };
    this.longStreams.countBodyBytes(stream, () => passed.bodyBytes);
    stream.on('wantTrailers', () => stream.sendTrailers(sentTrailers(passed)));
    stream.once('close', () => {
      if (outgoing && !outgoing.closed) outgoing.close(stream.rstCode || http2.constants.NGHTTP2_CANCEL);
      // Every answer the proxy ends or cuts is reported before; this one the client left.
      if (passed.ended || passed.holding) return;
      const status = stream.headersSent ? Number(stream.sentHeaders[HTTP2_HEADER_STATUS] ?? 200) : undefined;
      passed.report?.clientLeft(
        status,
        status === undefined ? undefined : passed.bodyBytes,
        undefined,
        this.clientReset(stream),
      );
    });
    const send = (): void => {
      const previous = outgoing;
      attempts += 1;
      let session: http2.ClientHttp2Session;
      try {
        session = this.upstream.get();
        outgoing = session.request(upstreamHeaders, { endStream: !hasBody });
        passed.upstreamSession = session;
      } catch (error) {
        sent?.forget();
        this.fail(stream, plan, label, error as Error, { grpcCall, report: passed.report });
        return;
      }
      const current = outgoing;
      if (sent && previous) sent.resend(previous, current);
      else if (hasBody) stream.pipe(current);
      current.on('trailers', (received: Headers) => {
        passed.trailers = received;
      });
      if (passesInterim(plan)) current.on('headers', (received: Headers) => sendInterim(stream, received));
      // Before its answer, an attempt fails once (an error, or a close without either); after,
      // an error cuts the answer the client is getting.
      let answered = false;
      let settled = false;
      const failed = (error: Error) => {
        if (settled) return;
        settled = true;
        const unprocessed = this.upstream.leftUnprocessedByGoaway(session, current)
          ? 'goaway'
          : current.rstCode === NGHTTP2_REFUSED_STREAM
            ? 'refused_stream'
            : undefined;
        const resendable = sent?.resendable ?? true;
        if (unprocessed && resendable && attempts < MAX_ATTEMPTS && !stream.closed && !stream.headersSent) {
          this.proxy.countUpstreamRetry(unprocessed);
          send();
        } else
          this.fail(stream, plan, label, error, {
            bodyBytes: passed.bodyBytes,
            attempts,
            grpcCall,
            report: passed.report,
          });
      };
      current.on('error', (error: Error) =>
        answered && passed.holding
          ? (passed.heldCut ??= error)
          : answered
            ? this.fail(stream, plan, label, error, {
                bodyBytes: passed.bodyBytes,
                report: passed.report,
                rstCode: resetBy(error, current),
                answered: true,
                grpcCall,
              })
            : failed(error),
      );
      // A lost connection closes its streams with CANCEL and no error: the client must not wait on.
      current.once('close', () => {
        if (!answered) failed(closedWithoutAnswer(current.rstCode));
      });
      current.once('response', (received: Headers, responseFlags: number) => {
        answered = true;
        sent?.forget();
        passed.announced = announcedLength(received, label.method);
        this.respond(
          stream,
          current,
          received,
          (responseFlags & NGHTTP2_FLAG_END_STREAM) !== 0,
          plan,
          label,
          passed,
          grpcCall && plan !== undefined,
        ).catch(() => stream.destroy());
      });
    };
    send();
  }

  private async respond(
    stream: http2.ServerHttp2Stream,
    outgoing: http2.ClientHttp2Stream,
    received: Headers,
    ended: boolean,
    plan: RequestPlan | undefined,
    label: RequestLabel,
    passed: Passed,
    grpcCall: boolean,
  ): Promise<void> {
    if (plan && plan.responseDelay > 0) {
      const gone = new AbortController();
      const onClose = () => gone.abort();
      stream.once('close', onClose);
      passed.holding = true;
      const held = await hold(this.proxy, plan, 'response', gone.signal);
      passed.holding = false;
      stream.off('close', onClose);
      if (held.clientLeft || stream.closed) {
        passed.report?.heldWhenClientLeft(held.heldMs, this.clientReset(stream));
        return;
      }
      if (!ended && cutWhileHeld(outgoing, passed)) {
        this.sendHeldCut(stream, outgoing, received, plan, label, passed, grpcCall);
        return;
      }
    }
    // A gRPC answer with a body carries its status in the trailers: edits of it go there.
    const edits = grpcCall && !ended ? splitStatusEdits(plan!.responseHeaders) : undefined;
    if (edits) passed.trailerEdits = edits.trailers;
    const headers = this.responseHeaders(received, plan, edits?.headers);
    const status = Number(headers[HTTP2_HEADER_STATUS] ?? 200);
    if (!plan || !rewritesBody(plan) || (ended && !replacesBody(plan))) {
      if (plan && ended) this.reportForwarded({ status }, grpcCall, headers, outgoing, passed);
      else if (plan)
        passed.whole = () => this.reportForwarded({ status }, grpcCall, undefined, outgoing, passed);
      if (stream.closed || stream.destroyed) return;
      if (ended) {
        stream.respond(headers, { endStream: true });
        return;
      }
    } else if (replacesBody(plan)) {
      // The upstream's body is read and dropped to its end; a reset fails the stream as without the toxic.
      if (!ended && !(await drained(outgoing))) return;
      if (stream.closed || stream.destroyed) return;
      const trailersOnly = ended ? headers : undefined;
      passed.whole = () => this.reportForwarded({ status }, grpcCall, trailersOnly, outgoing, passed);
      this.sendWhole(stream, headers, Buffer.from(plan.body), undefined, plan, passed);
      if (trailersOnly !== undefined || !waitsForGrpcStatus(grpcCall, status)) passed.whole();
      return;
    } else {
      const read = await collect(outgoing);
      if (read === undefined || stream.closed || stream.destroyed) return;
      if (read.whole !== undefined) {
        const { body, skipped } = rewriteBody(
          read.whole,
          plan,
          headers['content-encoding'] as string | string[] | undefined,
        );
        const outcome = { status, skipped };
        const trailersOnly = ended ? headers : undefined;
        passed.whole = () => this.reportForwarded(outcome, grpcCall, trailersOnly, outgoing, passed);
        this.sendWhole(stream, headers, body, skipped, plan, passed);
        if (trailersOnly !== undefined || !waitsForGrpcStatus(grpcCall, status)) passed.whole();
        return;
      }
      const outcome = { status, skipped: TOO_LARGE_TO_PATCH };
      passed.whole = () => this.reportForwarded(outcome, grpcCall, undefined, outgoing, passed);
      stream.respond(headers, { waitForTrailers: true });
      for (const chunk of read.held) {
        passed.bodyBytes += chunk.length;
        stream.write(chunk);
      }
    }
    if (!stream.headersSent) stream.respond(headers, { waitForTrailers: true });
    if (!waitsForGrpcStatus(grpcCall, status)) passed.whole?.();
    const kibps = plan?.responseThroughput;
    if (kibps === undefined) {
      outgoing.on('data', (chunk: Buffer) => (passed.bodyBytes += chunk.length));
      outgoing.pipe(stream, { end: false });
      outgoing.once('end', () => this.ended(stream, outgoing, label, status, passed));
    } else {
      await this.sendPaced(stream, outgoing, kibps, passed);
      this.ended(stream, outgoing, label, status, passed);
    }
  }

  /**
   * The upstream cut its answer after its headers while a response delay held them. The client
   * gets what it would have got had the cut come after the delay: the headers, then RST_STREAM
   * with the upstream's code (INTERNAL_ERROR for a lost connection), as Envoy resets a stream the
   * upstream resets after its headers; reported as the upstream's cut, with the delay's fault.
   * A plan that rewrites the body had not sent the headers yet: the client gets the local reply
   * (502, or UNAVAILABLE to a gRPC call) it gets when the cut comes while the body is read.
   */
  private sendHeldCut(
    stream: http2.ServerHttp2Stream,
    outgoing: http2.ClientHttp2Stream,
    received: Headers,
    plan: RequestPlan,
    label: RequestLabel,
    passed: Passed,
    grpcCall: boolean,
  ): void {
    const error = passed.heldCut ?? closedWithoutAnswer(outgoing.rstCode);
    if (rewritesBody(plan)) {
      this.fail(stream, plan, label, error, { grpcCall, report: passed.report, answered: true });
      return;
    }
    // A gRPC answer's status edits go to its trailers, which a cut answer never gets.
    const edits = grpcCall ? splitStatusEdits(plan.responseHeaders).headers : undefined;
    const headers = this.responseHeaders(received, plan, edits);
    stream.respond(headers, { waitForTrailers: true });
    const code = outgoing.rstCode;
    if (code === undefined || code === NGHTTP2_NO_ERROR)
      this.fail(stream, plan, label, error, { report: passed.report, rstCode: resetBy(error, outgoing) });
    else this.ended(stream, outgoing, label, Number(headers[HTTP2_HEADER_STATUS] ?? 200), passed);
  }

  /**
   * Reports a forwarded answer by what the client got. A gRPC call answered HTTP 200 is reported
   * by the grpc-status it ends with, as Envoy's gRPC stats count success and failure: from the
   * headers of a trailers-only answer, else from the trailers, once they come (an answer that
   * ends without a grpc-status is reported by its HTTP status alone).
   */
  private reportForwarded(
    outcome: { status: number; skipped?: string | undefined },
    grpcCall: boolean,
    trailersOnly: http2.OutgoingHttpHeaders | undefined,
    outgoing: http2.ClientHttp2Stream,
    passed: Passed,
  ): void {
    const report = (grpcCode: number | undefined) =>
      passed.report?.whole(grpcCode === undefined ? outcome : { ...outcome, grpcCode });
    if (!grpcCall || outcome.status !== 200) return report(undefined);
    if (trailersOnly !== undefined) return report(grpcStatusIn(trailersOnly));
    if (passed.trailers !== undefined || outgoing.closed) return report(grpcStatusIn(sentTrailers(passed)));
    const onTrailers = () => {
      outgoing.off('close', onClose);
      report(grpcStatusIn(sentTrailers(passed)));
    };
    const onClose = () => {
      outgoing.off('trailers', onTrailers);
      report(undefined);
    };
    outgoing.once('trailers', onTrailers).once('close', onClose);
  }

  /** Sends the upstream's body on at `kibps` KiB/s (a response rate limit), holding the client's stream to it. */
  private async sendPaced(
    stream: http2.ServerHttp2Stream,
    outgoing: AsyncIterable<Buffer> | Iterable<Buffer>,
    kibps: number,
    passed = { bodyBytes: 0 },
  ): Promise<void> {
    const gone = new AbortController();
    const onClose = () => gone.abort();
    stream.once('close', onClose);
    try {
      for await (const piece of throttled(outgoing, kibps, this.proxy, gone.signal)) {
        passed.bodyBytes += piece.length;
        if (!stream.write(piece)) await once(stream, 'drain', { signal: gone.signal });
      }
    } catch {
      // A reset upstream stream or a client that left: ended() and the close handlers say so.
    } finally {
      stream.off('close', onClose);
    }
  }

  /**
   * A whole body with its length, paced when the plan limits the answer's rate; reported once
   * it went out (a client that leaves a paced one first is reported by its stream's close).
   */
  private sendWhole(
    stream: http2.ServerHttp2Stream,
    headers: http2.OutgoingHttpHeaders,
    body: Buffer,
    skipped: string | undefined,
    plan: RequestPlan,
    passed: Passed,
  ): void {
    const kibps = plan.responseThroughput;
    describeSentBody(headers, body, skipped, plan.responseHeaders);
    stream.respond(headers, { waitForTrailers: true });
    const end = (last?: Buffer) => {
      if (stream.closed || stream.destroyed) return;
      passed.ended = true;
      stream.end(last);
      passed.whole?.();
    };
    if (kibps === undefined) end(body);
    else void this.sendPaced(stream, [body], kibps, passed).then(() => end());
  }

  /**
   * The upstream's body ended: so does the client's stream. node ends the readable side of a
   * stream the upstream reset before it reports the reset: the reset is passed on, rather than
   * the client's stream ended as if the answer were whole, and the faults are reported by how
   * the answer ended.
   */
  private ended(
    stream: http2.ServerHttp2Stream,
    outgoing: http2.ClientHttp2Stream,
    label: RequestLabel,
    status: number,
    passed: Passed,
  ): void {
    // A client that left closed its stream (and the upstream's): its close reported it.
    if (stream.closed || stream.destroyed) return;
    const code = outgoing.rstCode;
    const clean = code === undefined || code === NGHTTP2_NO_ERROR;
    // node's CANCEL on a lost connection is its own, not the upstream's: the client is not told it cancelled.
    const lost = code === NGHTTP2_CANCEL && passed.upstreamSession?.destroyed === true;
    // node's client stream does not hold an answer to its content-length: a short one is cut.
    const short = passed.announced !== undefined && passed.bodyBytes < passed.announced;
    if (clean && !short) {
      passed.ended = true;
      stream.end();
      passed.whole?.();
      return;
    }
    const error = new Error(
      clean
        ? `the upstream ended its stream after ${passed.bodyBytes} of the ${passed.announced} bytes its content-length announced`
        : lost
          ? 'the connection to the upstream closed'
          : `the upstream reset the stream with ${http2ErrorCode(code)}`,
    );
    const text = answerCut(this.proxy, passed.bodyBytes, error);
    const passedOn = clean || lost ? NGHTTP2_INTERNAL_ERROR : code;
    this.longStreams.cutByUpstream(stream, passedOn, text);
    stream.close(passedOn);
    reportUpstreamFailure(this.proxy, label, text, status, passed.bodyBytes);
    passed.report?.cut(status, passed.bodyBytes);
  }

  private fail(
    stream: http2.ServerHttp2Stream,
    plan: RequestPlan | undefined,
    label: RequestLabel,
    error: Error,
    {
      bodyBytes = 0,
      attempts = 1,
      grpcCall = false,
      report,
      rstCode = NGHTTP2_INTERNAL_ERROR,
      answered = false,
    }: {
      bodyBytes?: number;
      attempts?: number;
      grpcCall?: boolean;
      report?: AnswerReport | undefined;
      /** The code the client's stream is reset with, once its answer began: the upstream's own reset's. */
      rstCode?: number;
      /** The upstream answered (its headers came) before it failed: it cut its answer, not "did not answer". */
      answered?: boolean;
    },
  ): void {
    if (stream.closed || stream.destroyed) return;
    if (stream.headersSent) {
      const status = Number(stream.sentHeaders[HTTP2_HEADER_STATUS] ?? 200);
      const text = answerCut(this.proxy, bodyBytes, goawaySaid(error));
      reportUpstreamFailure(this.proxy, label, text, status, bodyBytes);
      report?.cut(status, bodyBytes);
      this.longStreams.cutByUpstream(stream, rstCode, text);
      stream.close(rstCode);
      return;
    }
    const text = answered
      ? answerCut(this.proxy, undefined, error)
      : upstreamFailure(this.proxy, error) + sentTimes(attempts);
    // A gRPC client reads a status and its message, not a 502's body: Envoy answers it so too.
    const grpcCode = grpcCall ? GRPC_UNAVAILABLE : undefined;
    reportUpstreamFailure(this.proxy, label, text, 502, undefined, grpcCode);
    report?.whole({ status: 502, grpcCode, upstreamFailed: true, unanswered: true });
    if (grpcCode !== undefined) {
      answerGrpcStatus(stream, grpcCode, text);
      return;
    }
    stream.respond({ [HTTP2_HEADER_STATUS]: 502, 'content-type': 'text/plain; charset=utf-8' });
    stream.end(`${text}\n`);
  }

  private requestHeaders(headers: Headers, plan: RequestPlan | undefined): http2.OutgoingHttpHeaders {
    const out: http2.OutgoingHttpHeaders = {};
    const dropFaultHeaders = dropsFaultHeaders(this.proxy.headerFaults, plan);
    for (const [name, value] of Object.entries(headers)) {
      if (value === undefined || isHopHeader(name)) continue;
      if (dropFaultHeaders && (faultHeaders as readonly string[]).includes(name)) continue;
      out[name] = value;
    }
    if (plan)
      editHeaders(out as Record<string, string | string[] | undefined>, onAuthority(plan.requestHeaders));
    return out;
  }

  private responseHeaders(
    received: Headers,
    plan: RequestPlan | undefined,
    edits = plan?.responseHeaders,
  ): http2.OutgoingHttpHeaders {
    const out: Record<string, string | string[] | undefined> = {};
    for (const [name, value] of Object.entries(received)) {
      if (value !== undefined && !isHopHeader(name)) out[name] = Array.isArray(value) ? value : String(value);
    }
    if (plan) {
      editHeaders(out, edits ?? {});
      if (plan.status !== undefined) out[HTTP2_HEADER_STATUS] = String(plan.status);
    }
    return out as http2.OutgoingHttpHeaders;
  }
}

/** The upstream's trailers as they go to the client, with the edits they get. */
function sentTrailers(passed: Passed): http2.OutgoingHttpHeaders {
  const fields: Record<string, string | string[] | undefined> = {};
  for (const [name, value] of Object.entries(passed.trailers ?? {}))
    if (!name.startsWith(':') && value !== undefined) fields[name] = value;
  editHeaders(fields, passed.trailerEdits);
  return fields as http2.OutgoingHttpHeaders;
}

/** Sends an upstream's 1xx answer (103 Early Hints) on, before the final answer's headers. */
function sendInterim(stream: http2.ServerHttp2Stream, received: Headers): void {
  const status = Number(received[HTTP2_HEADER_STATUS]);
  if (!(status >= 100 && status < 200) || stream.headersSent || stream.closed || stream.destroyed) return;
  const fields = Object.entries(received).filter(
    ([name, value]) => value !== undefined && !isHopHeader(name),
  );
  stream.additionalHeaders(Object.fromEntries(fields) as http2.OutgoingHttpHeaders);
}

/** What a 502 adds when the request went upstream more than once: the attempts before were left unprocessed. */
function sentTimes(attempts: number): string {
  if (attempts === 1) return '';
  return `; it was sent ${attempts} times, as the upstream left the first ${attempts - 1} unprocessed (refused or past its GOAWAY)`;
}

/** The body length an answer's content-length announced, when it has a body: not to a HEAD, nor a 204 or 304. */
function announcedLength(received: Headers, method: string): number | undefined {
  const length = received['content-length'];
  if (length === undefined || method === 'HEAD' || isBodiless(Number(received[HTTP2_HEADER_STATUS])))
    return undefined;
  const bytes = Number(length);
  return Number.isSafeInteger(bytes) && bytes >= 0 ? bytes : undefined;
}

/**
 * The code an upstream's RST_STREAM carried, passed on to the client as ended() passes it on
 * (whichever of the two node reports first); INTERNAL_ERROR for any other failure (a GOAWAY).
 */
function resetBy(error: Error & { code?: string }, stream: http2.ClientHttp2Stream): number {
  const code = stream.rstCode;
  if (error.code !== 'ERR_HTTP2_STREAM_ERROR' || code === undefined || code === NGHTTP2_NO_ERROR)
    return NGHTTP2_INTERNAL_ERROR;
  return code;
}

/** node's error for a stream its session's GOAWAY failed, told as the GOAWAY it was. */
function goawaySaid(error: Error & { code?: string }): Error & { code?: string } {
  const code = /code (\d+)/.exec(error.message)?.[1];
  if (error.code !== 'ERR_HTTP2_SESSION_ERROR' || code === undefined) return error;
  return Object.assign(new Error(`the upstream sent GOAWAY with ${http2ErrorCode(Number(code))}`), {
    code: error.code,
  });
}

/**
 * Whether the upstream failed the answer a response delay held: an error came, or its stream
 * closed with a code (node closes a lost connection's streams with CANCEL and no error).
 */
function cutWhileHeld(outgoing: http2.ClientHttp2Stream, passed: Passed): boolean {
  if (passed.heldCut !== undefined) return true;
  const code = outgoing.rstCode;
  return outgoing.destroyed && code !== undefined && code !== NGHTTP2_NO_ERROR;
}

/** An upstream stream that closed before its answer, with no error of its own. */
function closedWithoutAnswer(code: number | undefined): Error {
  return Object.assign(
    new Error(`the upstream closed the stream without answering (code ${code ?? 'none'})`),
    { code: 'ERR_HTTP2_STREAM_CLOSED_UNANSWERED' },
  );
}

/**
 * An HTTP/2 request carries its host in :authority, which a `host` edit sets (a Host header
 * beside it would name a second host the upstream may take, or refuse as malformed).
 */
function onAuthority(edits: HeaderEdits): HeaderEdits {
  if (!Object.hasOwn(edits, 'host')) return edits;
  const { host, ...others } = edits;
  return { ...others, ':authority': host ?? null };
}

/**
 * Reads the body to patch it: the whole body, or, once it grows past the limit, the part read
 * so far with the stream paused (the rest then streams on unchanged); undefined when the upstream
 * stream ended in error (its handler answers the client).
 */
function collect(
  outgoing: http2.ClientHttp2Stream,
): Promise<{ whole: Buffer; held?: never } | { whole?: never; held: Buffer[] } | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = () => {
      outgoing.off('data', onData).off('end', onEnd).off('close', onClose);
    };
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      if (size <= MAX_REWRITE_BYTES) return;
      outgoing.pause();
      stop();
      resolve({ held: chunks });
    };
    const onEnd = () => {
      stop();
      resolve({ whole: Buffer.concat(chunks) });
    };
    const onClose = () => {
      stop();
      resolve(undefined);
    };
    outgoing.on('data', onData).once('end', onEnd).once('close', onClose);
  });
}

/** Reads and drops a body to its end: true when it ended, false when the stream closed first. */
function drained(outgoing: http2.ClientHttp2Stream): Promise<boolean> {
  return new Promise((resolve) => {
    const onEnd = () => {
      outgoing.off('close', onClose);
      resolve(true);
    };
    const onClose = () => {
      outgoing.off('end', onEnd);
      resolve(false);
    };
    outgoing.once('end', onEnd).once('close', onClose).resume();
  });
}

/**
 * A gRPC call answered 200 is reported by the grpc-status its trailers bring, at its end; any
 * other answer as its headers go out, when the faults on it have acted.
 */
function waitsForGrpcStatus(grpcCall: boolean, status: number): boolean {
  return grpcCall && status === 200;
}
