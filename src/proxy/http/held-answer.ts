import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';
import type { ProxyView } from '../proxy-view.js';
import { answerCut, reportFired, reportUpstreamFailure, type RequestLabel } from './report.js';
import type { RequestPlan } from './request-plan.js';
import { describeSentBody, MAX_REWRITE_BYTES } from './rewrite.js';
import { throttled } from './throttle.js';
import { answerIsChunked, trailerFields } from './trailers.js';

/** An upstream answer the proxy held (a response delay, a body to rewrite), ready to go on. */
export interface HeldAnswer {
  readonly response: ServerResponse;
  readonly status: number;
  readonly headers: Record<string, string | string[]>;
  readonly upstream: Dispatcher.ResponseData;
  readonly plan: RequestPlan;
  readonly label: RequestLabel;
  readonly clientGone: AbortSignal;
}

/**
 * Sends a held answer on: the headers with the first chunk when it is there at once, else alone
 * (server-sent events, a long poll: the client opens its answer now, as without a fault); the
 * body; then the trailers. A body cut before anything went out is a 502 that says so; one cut
 * after the headers is an `http.upstream_failed` with the status and the bytes the client got,
 * and the client's connection is cut. The faults are reported as the headers go out, when they
 * have acted (the delay served, the headers rewritten, the pacing begun): an answer that never
 * ends is reported too.
 */
export async function sendHeld(
  proxy: ProxyView,
  held: HeldAnswer,
  body: AsyncIterable<Buffer>,
  skipped?: string,
): Promise<void> {
  const { response, status, headers, upstream, plan, label, clientGone } = held;
  const chunks = body[Symbol.asyncIterator]();
  let headSent = false;
  const sendHead = (): void => {
    headSent = true;
    const trailer = upstream.headers.trailer;
    if (trailer !== undefined && answerIsChunked(response, status, headers['content-length'] !== undefined))
      headers.trailer = trailer;
    response.writeHead(status, headers);
    reportFired(proxy, plan, label, { status, skipped });
  };
  const first = chunks.next();
  if (await later(first)) {
    sendHead();
    response.flushHeaders();
  }
  let next: IteratorResult<Buffer>;
  let bodyBytes = 0;
  try {
    next = await first;
    if (!headSent) sendHead();
    while (next.done !== true) {
      bodyBytes += next.value.length;
      if (!response.write(next.value)) await once(response, 'drain', { signal: clientGone });
      next = await chunks.next();
    }
  } catch (error) {
    upstream.body.destroy();
    if (!headSent) {
      if (clientGone.aborted) reportClientLeftHeld(proxy, held);
      else answerCutBeforeSending(proxy, held, error as Error, undefined);
      return;
    }
    response.destroy();
    if (!clientGone.aborted)
      reportUpstreamFailure(proxy, label, answerCut(proxy, bodyBytes, error as Error), status, bodyBytes);
    return;
  }
  // A paced body ends early, without an error, when the client leaves.
  if (clientGone.aborted) return;
  response.addTrailers(trailerFields(flatTrailers(upstream.trailers)));
  response.end();
}

/** Whether `pending` is still pending after this turn of the event loop (its reads included). */
function later(pending: Promise<unknown>): Promise<boolean> {
  return new Promise((resolve) => {
    const turn = setImmediate(() => resolve(true));
    const settled = () => {
      clearImmediate(turn);
      resolve(false);
    };
    pending.then(settled, settled);
  });
}

/** The client of a held answer left before its headers went out: it got nothing. */
export function reportClientLeftHeld(proxy: ProxyView, held: Pick<HeldAnswer, 'plan' | 'label'>): void {
  const unfinished = { by: 'client' as const, bodyBytes: undefined };
  reportFired(proxy, held.plan, held.label, { unfinished });
}

/**
 * Sends a whole new body with its own length. A body that was changed loses the upstream's
 * content-encoding, which described the old one; one that passed unchanged (`skipped`) keeps it.
 */
export function sendWhole(
  proxy: ProxyView,
  held: HeldAnswer,
  body: Buffer,
  skipped: string | undefined,
): void {
  describeSentBody(held.headers, body, skipped, held.plan.responseHeaders);
  const kibps = held.plan.responseThroughput;
  if (kibps === undefined) {
    held.response.writeHead(held.status, held.headers).end(body);
    reportFired(proxy, held.plan, held.label, { status: held.status, skipped });
  } else void sendPaced(proxy, held, body, kibps, skipped);
}

/** A whole body under a response rate limit, reported as its headers go out. */
async function sendPaced(
  proxy: ProxyView,
  held: HeldAnswer,
  body: Buffer,
  kibps: number,
  skipped: string | undefined,
): Promise<void> {
  const { response, clientGone, status } = held;
  response.writeHead(status, held.headers);
  reportFired(proxy, held.plan, held.label, { status, skipped });
  try {
    for await (const piece of throttled([body], kibps, proxy, clientGone)) {
      if (!response.write(piece)) await once(response, 'drain', { signal: clientGone });
    }
  } catch {
    response.destroy();
  }
  if (!clientGone.aborted && !response.destroyed) response.end();
}

/**
 * Reads and drops a body the client will not get, holding none of it, to its end: an upstream
 * that cuts it fails the request as it would without the toxic.
 */
export async function drain(body: AsyncIterable<Buffer>): Promise<{ size: number; cut: Error | undefined }> {
  let size = 0;
  try {
    for await (const chunk of body) size += chunk.length;
  } catch (error) {
    return { size, cut: error as Error };
  }
  return { size, cut: undefined };
}

/** The upstream cut the body before the proxy sent anything on: a 502 says so. */
export function answerCutBeforeSending(
  proxy: ProxyView,
  held: HeldAnswer,
  error: Error,
  bodyBytes: number | undefined,
): void {
  const text = answerCut(proxy, bodyBytes, error);
  reportUpstreamFailure(proxy, held.label, text, 502);
  reportFired(proxy, held.plan, held.label, { status: 502, upstreamFailed: true });
  const body = Buffer.from(`${text}\n`);
  held.response.writeHead(502, {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': String(body.length),
    connection: 'close',
  });
  held.response.end(body);
}

export interface LimitedRead {
  chunks: Buffer[];
  size: number;
  /** Set when the body was larger than the limit: the part not read yet. */
  rest: AsyncIterator<Buffer> | undefined;
  /** Set when the upstream cut the body before its end. */
  cut: Error | undefined;
}

/** Reads a body to rewrite it, up to MAX_REWRITE_BYTES; a larger one passes on unchanged. */
export async function readLimited(body: AsyncIterable<Buffer>): Promise<LimitedRead> {
  const iterator = body[Symbol.asyncIterator]();
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for (;;) {
      const next = await iterator.next();
      if (next.done) return { chunks, size, rest: undefined, cut: undefined };
      chunks.push(next.value);
      size += next.value.length;
      if (size > MAX_REWRITE_BYTES) return { chunks, size, rest: iterator, cut: undefined };
    }
  } catch (error) {
    return { chunks, size, rest: undefined, cut: error as Error };
  }
}

export async function* replay(chunks: Buffer[], rest: AsyncIterator<Buffer>): AsyncGenerator<Buffer> {
  yield* chunks;
  for (let next = await rest.next(); !next.done; next = await rest.next()) yield next.value;
}

/** undici's parsed trailers as a raw [name, value, ...] list; a repeated field keeps each value. */
function flatTrailers(trailers: Record<string, string | string[] | undefined>): string[] {
  const raw: string[] = [];
  for (const [name, value] of Object.entries(trailers)) {
    if (value === undefined) continue;
    for (const one of Array.isArray(value) ? value : [value]) raw.push(name, one);
  }
  return raw;
}
