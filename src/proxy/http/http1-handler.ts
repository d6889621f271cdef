import type { ConnectionOptions } from 'node:tls';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { type Dispatcher, Pool } from 'undici';
import type { ProxyView } from '../proxy-view.js';
import type { ClientTable } from './client-table.js';
import { AnswerReport } from './answer-report.js';
import { bodyOf, isBodiless } from './bodiless-length.js';
import { ForwardedResponse, type ForwardOutcome } from './forwarded-response.js';
import { dropsFaultHeaders, faultHeaders } from './header-faults.js';
import {
  answerCutBeforeSending,
  drain,
  reportClientLeftHeld,
  type HeldAnswer,
  readLimited,
  replay,
  sendHeld,
  sendWhole,
} from './held-answer.js';
import { hold } from './hold.js';
import { http1RequestFacts } from './http1-request-facts.js';
import { parsedFields, passesInterim, sendInterim } from './interim.js';
import { isHopHeader, namedByConnection } from './hop-headers.js';
import {
  answerCut,
  isResponseTimeout,
  reportClientLeft,
  reportFired,
  reportUpstreamFailure,
  type RequestLabel,
  splitTarget,
  upstreamFailure,
} from './report.js';
import { emptyPlan, planRequest, type RequestPlan, type ToxicRandoms } from './request-plan.js';
import type { RequestsInFlight } from './requests-in-flight.js';
import { ConnectionTurns } from './turns.js';
import { editHeaders, replacesBody, rewriteBody, rewritesBody, TOO_LARGE_TO_PATCH } from './rewrite.js';
import { throttled } from './throttle.js';
import { tlsConnector } from './tls-connector.js';
import { encodeGrpcMessage } from '../http2/grpc-message.js';

/**
 * Serves each HTTP/1.1 request that reaches the proxy: plans the request toxics, then answers
 * itself or forwards through a keep-alive undici pool to the upstream. Node's server does the
 * parsing, pipelining (answers in order), chunked bodies and 100-continue.
 */
export class Http1Handler {
  private pool: Pool | undefined;
  private readonly turns = new ConnectionTurns();
  private poolTls: ConnectionOptions | undefined;
  private poolUpstream = '';
  private tls: ReturnType<typeof tlsConnector> | undefined;

  constructor(
    private readonly proxy: ProxyView,
    private readonly clients: ClientTable,
    private readonly randoms: ToxicRandoms,
    private readonly inFlight: RequestsInFlight,
  ) {}

  readonly handle = (request: IncomingMessage, response: ServerResponse): void =>
    this.serve(request, response, false);

  /**
   * A request with `Expect: 100-continue`: 100 Continue goes out only when the request goes
   * upstream, so an abort answers instead and a request delay holds the 100 too.
   */
  readonly handleExpectingContinue = (request: IncomingMessage, response: ServerResponse): void =>
    this.serve(request, response, true);

  private serve(request: IncomingMessage, response: ServerResponse, expectsContinue: boolean): void {
    this.inFlight.started(request, response);
    const ahead = this.turns.ahead(request.socket);
    if (ahead === undefined && this.proxy.requestToxics.length === 0 && !this.proxy.headerFaults) {
      // Nothing to plan or match: the request's label is made only if something is reported.
      if (expectsContinue) response.writeContinue();
      this.forward(request, response, undefined, undefined);
      return;
    }
    const linked = this.clients.find(request.socket);
    const facts = http1RequestFacts(request, linked);
    const plan = planRequest(this.proxy, facts, this.randoms);
    const label = { connection: linked.id, method: facts.method, path: facts.path };
    if (plan === undefined && ahead === undefined) {
      if (expectsContinue) response.writeContinue();
      this.forward(request, response, undefined, label);
      return;
    }
    const holds = ahead !== undefined || plan!.requestDelay > 0;
    const turn = { ahead, release: holds ? this.turns.take(request.socket) : undefined };
    // Whatever goes wrong with one request ends that request, never the server.
    this.run(request, response, plan ?? emptyPlan(), label, expectsContinue, turn).catch(() => {
      turn.release?.();
      response.destroy();
    });
  }

  close(): void {
    void this.pool?.destroy();
    this.pool = undefined;
  }

  /** Forgets pooled upstream connections; the next request connects to the new upstream. */
  upstreamChanged(): void {
    this.close();
  }

  private async run(
    request: IncomingMessage,
    response: ServerResponse,
    plan: RequestPlan,
    label: RequestLabel,
    expectsContinue: boolean,
    turn: Turn,
  ) {
    // A client told no 100 Continue may never send the body it announced: answered without
    // it, the connection closes, or the proxy would read the next request as that body.
    const unread = expectsContinue ? { connection: 'close' } : {};
    if (plan.problem !== undefined) {
      turn.release?.();
      request.resume();
      response.writeHead(400, { 'content-type': 'text/plain; charset=utf-8', ...unread }).end(plan.problem);
      return;
    }
    const gone = new AbortController();
    response.once('close', () => abortUnlessFinished(response, gone));
    try {
      if (turn.ahead !== undefined) await turn.ahead;
      if (gone.signal.aborted) return;
      if (plan.requestDelay > 0) {
        const held = await hold(this.proxy, plan, 'request', gone.signal);
        if (held.clientLeft) {
          reportClientLeft(this.proxy, plan, label, 'request', held.heldMs);
          return;
        }
      }
    } finally {
      // The requests behind go on once this one has: it goes upstream before they run.
      turn.release?.();
    }
    const abort = plan.abort;
    if (abort?.kind === 'reset') {
      reportFired(this.proxy, plan, label, {});
      resetInTurn(response);
      return;
    }
    if (abort) {
      const status = abort.kind === 'respond' ? abort.status : 200;
      reportFired(this.proxy, plan, label, abort.kind === 'grpc' ? { grpcCode: abort.code } : { status });
      request.resume();
      if (abort.kind === 'grpc') {
        response
          .writeHead(200, {
            'content-type': 'application/grpc',
            'grpc-status': String(abort.code),
            ...(abort.message ? { 'grpc-message': encodeGrpcMessage(abort.message) } : {}),
            ...unread,
          })
          .end();
      } else {
        if (isBodiless(abort.status)) {
          response.writeHead(abort.status, { ...abort.headers, ...unread }).end();
        } else {
          const body = Buffer.from(abort.body);
          response
            .writeHead(abort.status, {
              ...abort.headers,
              ...unread,
              'content-length': String(body.length),
            })
            .end(body);
        }
      }
      return;
    }
    // node dates an answer that has no Date: one the rewrite removed stays removed.
    if (plan.responseHeaders.date === null) response.sendDate = false;
    if (expectsContinue) response.writeContinue();
    if (plan.responseDelay === 0 && !rewritesBody(plan) && plan.responseThroughput === undefined)
      this.forward(request, response, plan, label);
    else await this.forwardHeld(request, response, plan, label, gone);
  }

  private upstreamPool(): Pool {
    const secure = this.proxy.upstreamTlsOptions;
    if (!this.pool || this.poolUpstream !== this.proxy.upstream || this.poolTls !== secure) {
      void this.pool?.close();
      this.poolUpstream = this.proxy.upstream;
      this.poolTls = secure;
      const options: Pool.Options = {
        headersTimeout: this.proxy.environment.limits.upstreamResponseTimeoutMs,
        bodyTimeout: 0,
        keepAliveTimeout: 10_000,
      };
      this.tls = secure ? tlsConnector(secure) : undefined;
      if (this.tls) options.connect = this.tls.connect;
      this.pool = new Pool(`${secure ? 'https' : 'http'}://${this.proxy.upstream}`, options);
    }
    return this.pool;
  }

  /** Sends the request upstream and the answer back, as it streams, through undici's handler. */
  private forward(
    request: IncomingMessage,
    response: ServerResponse,
    plan: RequestPlan | undefined,
    planned: RequestLabel | undefined,
  ): void {
    const socket = request.socket;
    const label = () => planned ?? this.labelOf(request, socket);
    const report = plan ? new AnswerReport(this.proxy, plan, label()) : undefined;
    const outcome: ForwardOutcome = {
      answered: (upstreamStatus) => plan?.status ?? upstreamStatus,
      sent: (status) => report?.sent(status),
      failed: (error) => this.failed(request, response, plan, label(), error),
      cut: (status, bodyBytes, error) => {
        const text = answerCut(this.proxy, bodyBytes, error);
        reportUpstreamFailure(this.proxy, label(), text, status, bodyBytes);
      },
      clientLeft: () => report?.clientLeft(undefined, undefined),
    };
    const answer = new ForwardedResponse(response, plan?.responseHeaders, outcome, passesInterim(plan));
    try {
      this.upstreamPool().dispatch(this.upstreamRequest(request, plan), answer);
    } catch (error) {
      answer.onError(error as Error);
    }
  }

  /** How events name a request: its connection, method and path. */
  private labelOf(request: IncomingMessage, socket: Socket): RequestLabel {
    const { path } = splitTarget(request.url ?? '/');
    return { connection: this.clients.find(socket).id, method: request.method ?? 'GET', path };
  }

  /** Holds the answer: for a response delay, to rewrite its body, or to pace it (a response rate limit). */
  private async forwardHeld(
    request: IncomingMessage,
    response: ServerResponse,
    plan: RequestPlan,
    label: RequestLabel,
    gone: AbortController,
  ): Promise<void> {
    let upstream;
    try {
      upstream = await this.upstreamPool().request({
        ...this.upstreamRequest(request, plan),
        signal: gone.signal,
        ...(passesInterim(plan)
          ? { onInfo: ({ statusCode, headers }) => sendInterim(response, statusCode, parsedFields(headers)) }
          : {}),
      });
    } catch (error) {
      if (gone.signal.aborted) reportClientLeftHeld(this.proxy, { plan, label });
      else this.failed(request, response, plan, label, error as Error);
      return;
    }
    try {
      if (plan.responseDelay > 0) {
        const held = await hold(this.proxy, plan, 'response', gone.signal);
        if (held.clientLeft) {
          upstream.body.destroy();
          reportClientLeft(this.proxy, plan, label, 'response', held.heldMs);
          return;
        }
      }
      const body = bodyOf(upstream.statusCode, upstream.body);
      const held: HeldAnswer = {
        response,
        status: plan.status ?? upstream.statusCode,
        headers: this.responseHeaders(upstream.headers, plan),
        upstream,
        plan,
        label,
        clientGone: gone.signal,
      };
      const paced = (body: AsyncIterable<Buffer>) =>
        plan.responseThroughput === undefined
          ? body
          : throttled(body, plan.responseThroughput, this.proxy, gone.signal);
      if (!rewritesBody(plan)) {
        await sendHeld(this.proxy, held, paced(body));
        return;
      }
      if (replacesBody(plan)) {
        const drained = await drain(body);
        if (gone.signal.aborted) reportClientLeftHeld(this.proxy, held);
        else if (drained.cut === undefined) sendWhole(this.proxy, held, Buffer.from(plan.body), undefined);
        else answerCutBeforeSending(this.proxy, held, drained.cut, drained.size);
        return;
      }
      const read = await readLimited(body);
      if (gone.signal.aborted) reportClientLeftHeld(this.proxy, held);
      else if (read.cut !== undefined) answerCutBeforeSending(this.proxy, held, read.cut, read.size);
      else if (read.rest === undefined) {
        const { body, skipped } = rewriteBody(
          Buffer.concat(read.chunks),
          plan,
          upstream.headers['content-encoding'],
        );
        sendWhole(this.proxy, held, body, skipped);
      } else await sendHeld(this.proxy, held, paced(replay(read.chunks, read.rest)), TOO_LARGE_TO_PATCH);
    } catch {
      upstream.body.destroy();
      response.destroy();
    }
  }

  private upstreamRequest(
    request: IncomingMessage,
    plan: RequestPlan | undefined,
  ): Dispatcher.DispatchOptions {
    const hasBody =
      request.headers['transfer-encoding'] !== undefined ||
      (request.headers['content-length'] !== undefined && request.headers['content-length'] !== '0');
    return {
      method: (request.method ?? 'GET') as Dispatcher.HttpMethod,
      path: request.url ?? '/',
      headers: this.requestHeaders(request, plan),
      body: hasBody ? request : null,
    };
  }

  /** The upstream could not be reached or did not answer in time: 502 or 504, saying why. */
  private failed(
    request: IncomingMessage,
    response: ServerResponse,
    plan: RequestPlan | undefined,
    label: RequestLabel,
    error: Error,
  ): void {
    if ((error as NodeJS.ErrnoException).code === 'UND_ERR_INVALID_ARG') {
      // undici refused the request itself (a target such as `*`, two Host headers): the
      // client's request, not the upstream, is at fault, and the upstream never saw it.
      request.resume();
      response.writeHead(400, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' });
      response.end(`faultline: the proxy cannot forward this request: ${error.message}\n`);
      return;
    }
    const tls = this.tls;
    if ((error as NodeJS.ErrnoException).code === 'UND_ERR_SOCKET' && tls) {
      // "other side closed" may hide the upstream's TLS refusal, which its socket reports next.
      void tls
        .tlsErrorOf(error)
        .then((tlsError) => this.answerFailure(request, response, plan, label, tlsError ?? error));
      return;
    }
    this.answerFailure(request, response, plan, label, error);
  }

  private answerFailure(
    request: IncomingMessage,
    response: ServerResponse,
    plan: RequestPlan | undefined,
    label: RequestLabel,
    error: Error,
  ): void {
    const timeoutMs = this.proxy.environment.limits.upstreamResponseTimeoutMs;
    const text = upstreamFailure(this.proxy, error, timeoutMs);
    const status = isResponseTimeout(error) ? 504 : 502;
    reportUpstreamFailure(this.proxy, label, text, status);
    if (plan) reportFired(this.proxy, plan, label, { status, upstreamFailed: true, unanswered: true });
    request.resume();
    if (!response.headersSent) {
      response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' });
      response.end(`${text}\n`);
    } else response.destroy();
  }

  private requestHeaders(request: IncomingMessage, plan: RequestPlan | undefined): string[] {
    const raw = request.rawHeaders;
    const headers: string[] = [];
    const dropFaultHeaders = dropsFaultHeaders(this.proxy.headerFaults, plan);
    const hopToo = namedByConnection(request.headers.connection);
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i] ?? '';
      const lower = name.toLowerCase();
      if (isHopHeader(lower) || (hopToo.length > 0 && hopToo.includes(lower))) continue;
      if (dropFaultHeaders && (faultHeaders as readonly string[]).includes(lower)) continue;
      if (plan && Object.hasOwn(plan.requestHeaders, lower)) continue;
      headers.push(name, raw[i + 1] ?? '');
    }
    if (plan)
      for (const [name, value] of Object.entries(plan.requestHeaders)) {
        if (value !== null) headers.push(name, value);
      }
    return headers;
  }

  private responseHeaders(
    upstream: Record<string, string | string[] | undefined>,
    plan: RequestPlan | undefined,
  ): Record<string, string | string[]> {
    const headers: Record<string, string | string[] | undefined> = {};
    const hopToo = namedByConnection(upstream.connection);
    for (const [name, value] of Object.entries(upstream)) {
      if (value !== undefined && !isHopHeader(name) && !hopToo.includes(name)) headers[name] = value;
    }
    if (plan) editHeaders(headers, plan.responseHeaders);
    return headers as Record<string, string | string[]>;
  }
}

/** The request before this one on its connection, still held, and what lets the next one go. */
interface Turn {
  ahead: Promise<void> | undefined;
  release: (() => void) | undefined;
}

/**
 * Resets the connection when this answer's turn comes: pipelined requests before it get their
 * answers first, as the reset stands in for this request's answer only.
 */
function resetInTurn(response: ServerResponse): void {
  if (response.socket) response.socket.resetAndDestroy();
  else response.once('socket', (socket: Socket) => setImmediate(() => socket.resetAndDestroy()));
}

/**
 * A client that went away before its answer was complete cancels the upstream request. An
 * answered one does not abort: aborting builds a DOMException with a stack, which cost a
 * tenth of the proxy's time when it ran on every request.
 */
function abortUnlessFinished(response: ServerResponse, controller: AbortController): void {
  if (!response.writableFinished) controller.abort();
}
