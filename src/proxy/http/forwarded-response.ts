import type { ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';
import { isBodilessLength } from './bodiless-length.js';
import { isHopHeader, namedByConnection } from './hop-headers.js';
import { rawFields, sendInterim } from './interim.js';
import type { HeaderEdits } from './request-plan.js';
import { answerIsChunked, trailerFields } from './trailers.js';

export interface ForwardOutcome {
  /** The upstream's status, before a plan replaces it; the status sent is `status ?? upstream`. */
  answered(upstreamStatus: number): number;
  /** The answer's headers went to the client with `status`; its body follows. */
  sent(status: number): void;
  /** The upstream could not be reached, or failed before its status line. */
  failed(error: Error): void;
  /** The upstream failed after the client got `status` and `bodyBytes` of the body: the answer is cut. */
  cut(status: number, bodyBytes: number, error: Error): void;
  /** The client left before the answer's headers went out. */
  clientLeft(): void;
}

/**
 * Streams an upstream answer into the client's response as undici reads it, with back-pressure
 * both ways, through undici's own handler interface: no body stream, abort signal or header
 * object between. Hop-by-hop headers stay behind; a plan's header edits apply on the way;
 * trailers after a chunked body follow it. 1xx answers before the final one go on when
 * `passInterim` says so.
 */
export class ForwardedResponse implements Dispatcher.DispatchHandler {
  private abortUpstream: ((error?: Error) => void) | undefined;
  private resumeUpstream: (() => void) | undefined;
  private status = 0;
  private upstreamStatus = 0;
  private bodyBytes = 0;
  private clientGone = false;
  /** The outcome was told how the answer ended: what follows (the close of a cut answer) is not news. */
  private settled = false;
  private held: Buffer | undefined;

  constructor(
    private readonly response: ServerResponse,
    private readonly edits: HeaderEdits | undefined,
    private readonly outcome: ForwardOutcome,
    private readonly passInterim: boolean,
  ) {
    // 'close' comes once: `on` spares the wrapper `once` builds for every request.
    response.on('close', this.onClientClose);
  }

  onConnect(abort: (error?: Error) => void): void {
    this.abortUpstream = abort;
    if (this.clientGone) abort();
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void): boolean {
    if (statusCode < 200) {
      if (this.passInterim) sendInterim(this.response, statusCode, rawFields(rawHeaders));
      return true;
    }
    this.resumeUpstream = resume;
    this.upstreamStatus = statusCode;
    const status = this.outcome.answered(statusCode);
    const { headers, trailer, hasLength } = forwardedHeaders(rawHeaders, this.edits);
    if (trailer !== undefined && answerIsChunked(this.response, status, hasLength))
      headers.push('trailer', trailer);
    this.response.writeHead(status, headers);
    this.status = status;
    // node sends the headers with the first write: a body that was not in the same read waits.
    queueMicrotask(this.sendQuietHead);
    this.outcome.sent(status);
    return true;
  }

  /**
   * Sends the headers alone when no body came with them: an answer whose body comes later
   * (server-sent events, a long poll) opens at the client now, as it does without a fault.
   */
  private readonly sendQuietHead = (): void => {
    if (this.bodyBytes === 0 && !this.settled && !this.clientGone) this.response.flushHeaders();
  };

  /**
   * The first chunk waits for the end of the parser's turn: a small answer, whole in one read,
   * then leaves with `end(chunk)`, one pass through node's response instead of write and end.
   */
  onData(chunk: Buffer): boolean {
    this.bodyBytes += chunk.length;
    if (this.bodyBytes === chunk.length && this.held === undefined) {
      this.held = chunk;
      queueMicrotask(this.sendHeld);
      return true;
    }
    this.sendHeld();
    return this.write(chunk);
  }

  onComplete(trailers: Buffer[] | string[] | null): void {
    if (trailers !== null && trailers.length > 0) this.response.addTrailers(trailerFields(trailers));
    const last = this.held;
    this.held = undefined;
    if (last === undefined) this.response.end();
    else this.response.end(last);
    this.settled = true;
  }

  onError(error: Error): void {
    if (this.clientGone) return;
    if (isBodilessLength(this.upstreamStatus, this.bodyBytes, error)) {
      this.onComplete(null);
      return;
    }
    this.settled = true;
    if (this.status === 0) {
      this.outcome.failed(error);
      return;
    }
    this.sendHeld();
    this.response.destroy();
    this.outcome.cut(this.status, this.bodyBytes, error);
  }

  private readonly onDrain = (): void => this.resumeUpstream?.();

  private readonly sendHeld = (): void => {
    const chunk = this.held;
    if (chunk === undefined) return;
    this.held = undefined;
    // Its write may fill the buffer after onData said go on: the next chunk waits for the drain.
    this.write(chunk);
  };

  private write(chunk: Buffer): boolean {
    if (this.response.write(chunk)) return true;
    this.response.once('drain', this.onDrain);
    return false;
  }

  /** A client that went away before its answer was complete cancels the upstream request. */
  private readonly onClientClose = (): void => {
    if (this.response.writableFinished) return;
    this.clientGone = true;
    this.abortUpstream?.();
    if (this.settled) return;
    this.settled = true;
    // Once the headers went out the request was reported (sent): a client that leaves after is no fault's doing.
    if (this.status === 0) this.outcome.clientLeft();
  };
}

/** The headers to send back, with what the answer's framing needs to know of them. */
export interface Forwarded {
  /** node's flat [name, value, ...] list, without hop-by-hop headers, edited. */
  headers: string[];
  /** The upstream's `Trailer` header (hop-by-hop, so not in `headers`). */
  trailer: string | undefined;
  hasLength: boolean;
}

/** The upstream's headers as they go back, read in one pass over undici's raw list. */
export function forwardedHeaders(rawHeaders: Buffer[], edits: HeaderEdits | undefined): Forwarded {
  let headers: string[] = [];
  // Usually one field (`keep-alive`), kept as a string: namedByConnection reads it without a split.
  let connection: string | string[] | undefined;
  let trailer: string | undefined;
  for (let index = 0; index < rawHeaders.length; index += 2) {
    const name = rawHeaders[index]!.toString('latin1');
    const lower = name.toLowerCase();
    if (isHopHeader(lower)) {
      if (lower === 'connection')
        connection = withField(connection, rawHeaders[index + 1]!.toString('latin1'));
      else if (lower === 'trailer') trailer ??= rawHeaders[index + 1]!.toString('latin1');
      continue;
    }
    if (edits !== undefined && Object.hasOwn(edits, lower)) continue;
    headers.push(name, rawHeaders[index + 1]!.toString('latin1'));
  }
  const hopToo = namedByConnection(connection);
  if (hopToo.length > 0) headers = withoutNamed(headers, hopToo);
  if (edits !== undefined)
    for (const [name, value] of Object.entries(edits)) {
      if (value !== null) headers.push(name, value);
    }
  return { headers, trailer, hasLength: hasField(headers, 'content-length') };
}

function withField(fields: string | string[] | undefined, value: string): string | string[] {
  if (fields === undefined) return value;
  if (typeof fields === 'string') return [fields, value];
  fields.push(value);
  return fields;
}

function withoutNamed(headers: string[], names: readonly string[]): string[] {
  const kept: string[] = [];
  for (let index = 0; index < headers.length; index += 2) {
    if (!names.includes(headers[index]!.toLowerCase())) kept.push(headers[index]!, headers[index + 1]!);
  }
  return kept;
}

function hasField(headers: string[], lowerCaseName: string): boolean {
  for (let index = 0; index < headers.length; index += 2) {
    const name = headers[index]!;
    if (name.length === lowerCaseName.length && name.toLowerCase() === lowerCaseName) return true;
  }
  return false;
}
