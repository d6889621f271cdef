import type { ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';
import { isHopHeader } from './hop-headers.js';
import type { HeaderEdits } from './request-plan.js';

export interface ForwardOutcome {
  /** The upstream's status, before a plan replaces it; the status sent is `status ?? upstream`. */
  answered(upstreamStatus: number): number;
  /** The upstream could not be reached, or failed before its status line. */
  failed(error: Error): void;
}

/**
 * Streams an upstream answer into the client's response as undici reads it, with back-pressure
 * both ways, through undici's own handler interface: no body stream, abort signal or header
 * object between. Hop-by-hop headers stay behind; a plan's header edits apply on the way.
 */
export class ForwardedResponse implements Dispatcher.DispatchHandler {
  private abortUpstream: ((error?: Error) => void) | undefined;
  private resumeUpstream: (() => void) | undefined;
  private headersSent = false;
  private clientGone = false;

  constructor(
    private readonly response: ServerResponse,
    private readonly edits: HeaderEdits | undefined,
    private readonly outcome: ForwardOutcome,
  ) {
    response.once('close', this.onClientClose);
  }

  onConnect(abort: (error?: Error) => void): void {
    this.abortUpstream = abort;
    if (this.clientGone) abort();
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void): boolean {
    // 1xx answers other than the final one; node's server has already sent 100 Continue itself.
    if (statusCode < 200) return true;
    this.resumeUpstream = resume;
    const status = this.outcome.answered(statusCode);
    this.response.writeHead(status, forwardedHeaders(rawHeaders, this.edits));
    this.headersSent = true;
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.response.write(chunk)) return true;
    this.response.once('drain', this.onDrain);
    return false;
  }

  onComplete(): void {
    this.response.end();
  }

  onError(error: Error): void {
    if (this.clientGone) return;
    if (this.headersSent) this.response.destroy();
    else this.outcome.failed(error);
  }

  private readonly onDrain = (): void => this.resumeUpstream?.();

  /** A client that went away before its answer was complete cancels the upstream request. */
  private readonly onClientClose = (): void => {
    if (this.response.writableFinished) return;
    this.clientGone = true;
    this.abortUpstream?.();
  };
}

/** The upstream's headers as node's flat [name, value, ...] list, without hop-by-hop ones, edited. */
export function forwardedHeaders(rawHeaders: Buffer[], edits: HeaderEdits | undefined): string[] {
  const headers: string[] = [];
  for (let index = 0; index < rawHeaders.length; index += 2) {
    const name = rawHeaders[index]!.toString('latin1');
    const lower = name.toLowerCase();
    if (isHopHeader(lower) || (edits !== undefined && Object.hasOwn(edits, lower))) continue;
    headers.push(name, rawHeaders[index + 1]!.toString('latin1'));
  }
  if (edits !== undefined)
    for (const [name, value] of Object.entries(edits)) {
      if (value !== null) headers.push(name, value);
    }
  return headers;
}
