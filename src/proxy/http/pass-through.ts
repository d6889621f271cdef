import http from 'node:http';
import net from 'node:net';
import type { MemorySocket } from '../memory-socket.js';
import { monotonicNow } from '../monotonic-now.js';
import type { ServedConnection } from '../protocol.js';
import type { ProxyView } from '../proxy-view.js';
import { doneParsing, MessageParser, METHOD_CONNECT, METHOD_HEAD, Stop } from './llhttp.js';
import {
  answerCut,
  isResponseTimeout,
  reportUpstreamFailure,
  shownRequestLine,
  upstreamFailure,
} from './report.js';
import {
  byteLength,
  ClosedError,
  HeadersTimeoutError,
  headersOverflow,
  labelOf,
  parseError,
  requestLine,
} from './pass-through-words.js';
import { resetConnection } from '../../net/reset-connection.js';

/** A request sent upstream whose final answer has not all come back. */
interface Sent {
  /** Its head, as the client sent it: read only when an event must name the request. */
  readonly head: Buffer;
  readonly method: number;
  /** The request let the connection stay open after its answer. */
  readonly keepAlive: boolean;
}

/** What a pass-through connection asks of its session. */
export interface PassThroughOwner {
  readonly proxy: ProxyView;
  /** Whether a request must now go the full way (an HTTP toxic, header faults, upstream TLS). */
  wantsFullPath(): boolean;
  /** Where the upstream is: parsed once per change of the proxy's upstream. */
  target(): { host: string; port: number };
  /** Gives the connection, and the client's bytes not yet sent upstream, to node:http. */
  handOver(socket: MemorySocket, unread: Buffer[]): void;
  closed(passThrough: PassThrough): void;
}

/**
 * One client connection of an http proxy with no HTTP fault to apply: its bytes go to an
 * upstream connection of its own and back as they come, as on a tcp proxy, while llhttp
 * (undici's build) finds where each request and answer ends. A request's head is held until it
 * is whole, so that when an HTTP toxic is added (or header faults enabled), the next request,
 * once every earlier one is answered, goes to node:http with the connection, and from there
 * the full way (request toxics, undici). After an Upgrade the connection is bytes both ways.
 */
export class PassThrough {
  private readonly requests = new MessageParser('request');
  private readonly responses: MessageParser;
  private upstream: net.Socket | undefined;
  private readonly sent: Sent[] = [];
  /** The head of a request (or an answer) begun in an earlier chunk. */
  private requestHead: Buffer[] = [];
  private responseHead: Buffer[] = [];
  /** The client's bytes waiting for node:http, once every request sent is answered. */
  private held: Buffer[] | undefined;
  /** An Upgrade was asked (client → upstream) or granted (both ways): no more parsing. */
  private clientBytes = false;
  private upstreamBytes = false;
  private ended = false;
  /** The client's last request came: it said the connection closes after it. */
  private requestsEnded = false;
  /** The last answer came: it said the connection closes after it. */
  private answersEnded = false;
  /** The last answer, or its request, closes the connection after it: the client's closes with the upstream's. */
  private closesAfter = false;
  private clientPaused = false;
  private upstreamPaused = false;
  /** When the oldest request without an answer's head was sent (0: none waits). */
  waitingSince = 0;
  /** When the client began a request head it has not finished (0: none). */
  headBegunAt = 0;

  constructor(
    private readonly client: MemorySocket,
    private readonly connection: ServedConnection,
    private readonly owner: PassThroughOwner,
  ) {
    this.responses = new MessageParser('response', {
      finalHead: () => {
        this.waitingSince = 0;
        return this.sent[0]?.method === METHOD_HEAD;
      },
      // The upstream answered: the time it has for the final head starts again (as the client
      // may take its time to send the body a 100 Continue asked for).
      interimHead: () => {
        if (this.waitingSince > 0) this.waitingSince = monotonicNow();
      },
    });
    client.on('data', this.onClientData);
    client.on('end', this.onClientEnd);
    client.on('close', this.onClientClose);
    client.on('error', this.onClientError);
  }

  private readonly onClientError = (): void => {
    this.client.destroy();
  };

  private readonly onClientData = (chunk: Buffer): void => {
    if (this.requestsEnded) return;
    if (this.held !== undefined) this.held.push(chunk);
    else if (this.clientBytes) this.toUpstream(chunk);
    else {
      this.readRequests(chunk);
      doneParsing();
    }
  };

  private readRequests(chunk: Buffer): void {
    const parser = this.requests;
    let position = 0;
    let sent = 0;
    while (position < chunk.length) {
      const stop = parser.run(chunk, position);
      const at = parser.at;
      if (stop === Stop.End) {
        if (parser.inHead) {
          this.toUpstream(chunk, sent, position);
          if (this.requestHead.length === 0) this.headBegunAt = monotonicNow();
          this.requestHead.push(position === 0 ? chunk : chunk.subarray(position));
          // node:http refuses a head over its limit (400 here), as on the full path.
          if (byteLength(this.requestHead) > http.maxHeaderSize)
            this.holdFrom(Buffer.concat(this.requestHead), chunk, chunk.length);
          return;
        }
        break;
      }
      if (stop === Stop.Head) {
        this.headBegunAt = 0;
        const head = this.wholeHead(this.requestHead, chunk, position, at);
        // CONNECT (a 405) and targets such as `*` (a 400) get the full path's answers.
        if (parser.method === METHOD_CONNECT || !parser.originForm || this.owner.wantsFullPath()) {
          this.toUpstream(chunk, sent, position);
          this.holdFrom(head, chunk, at);
          return;
        }
        if (this.requestHead.length > 0) {
          this.requestHead = [];
          this.toUpstream(head);
          sent = at;
        }
        this.sent.push({ head, method: parser.method, keepAlive: parser.keepAlive });
        if (this.sent.length === 1) this.waitingSince = monotonicNow();
      } else if (stop === Stop.Message && !parser.keepAlive) {
        // A request that closes the connection (`Connection: close`, HTTP/1.0) is its last:
        // what the client sends after it goes nowhere, as node's server and nginx ignore it.
        this.toUpstream(chunk, sent, at);
        this.requestsEnded = true;
        return;
      } else if (stop === Stop.Upgrade) {
        this.clientBytes = true;
        this.toUpstream(chunk, sent, chunk.length);
        return;
      } else if (stop === Stop.Error) {
        if (parser.inHead) {
          // node:http answers a malformed request 400, as it does on the full path.
          this.toUpstream(chunk, sent, position);
          this.holdFrom(this.wholeHead(this.requestHead, chunk, position, chunk.length), chunk, chunk.length);
          return;
        }
        this.toUpstream(chunk, sent, at);
        this.badRequestBody(parser.error);
        return;
      }
      position = at;
    }
    this.toUpstream(chunk, sent, chunk.length);
  }

  /** The head of the request (or answer) that ends at `end`, with its parts from earlier chunks. */
  private wholeHead(parts: Buffer[], chunk: Buffer, start: number, end: number): Buffer {
    const last = chunk.subarray(start, end);
    return parts.length === 0 ? last : Buffer.concat([...parts, last]);
  }

  /** From `head` on, the client's bytes wait for node:http: once every request sent is answered. */
  private holdFrom(head: Buffer, chunk: Buffer, rest: number): void {
    this.requestHead = [];
    this.headBegunAt = 0;
    this.held = rest < chunk.length ? [head, chunk.subarray(rest)] : [head];
    this.client.pause();
    if (this.sent.length === 0) this.handOver();
  }

  private handOver(): void {
    const held = this.held ?? [];
    this.detach();
    // node:http listens for the socket's errors from now on.
    this.client.off('error', this.onClientError);
    this.upstream?.destroy();
    this.upstream = undefined;
    this.owner.handOver(this.client, held);
  }

  /** Stops reading the client (an error on it still only destroys it). */
  private detach(): void {
    this.client.off('data', this.onClientData);
    this.client.off('end', this.onClientEnd);
    this.client.off('close', this.onClientClose);
    this.release();
  }

  private release(): void {
    if (this.ended) return;
    this.ended = true;
    this.requests.free();
    this.responses.free();
    this.owner.closed(this);
  }

  private toUpstream(chunk: Buffer, from = 0, to = chunk.length): void {
    if (from >= to) return;
    const upstream = this.connectedUpstream();
    if (
      !upstream.write(from === 0 && to === chunk.length ? chunk : chunk.subarray(from, to)) &&
      !this.clientPaused
    ) {
      this.clientPaused = true;
      this.client.pause();
      upstream.once('drain', () => {
        this.clientPaused = false;
        if (this.held === undefined && upstream === this.upstream) this.client.resume();
      });
    }
  }

  private connectedUpstream(): net.Socket {
    if (this.upstream !== undefined) return this.upstream;
    const { host, port } = this.owner.target();
    const upstream = net.connect({ host, port, noDelay: true });
    upstream.on('data', (chunk: Buffer) => this.onUpstreamData(upstream, chunk));
    upstream.on('end', () => this.onUpstreamEnd(upstream));
    upstream.on('error', (error) => this.onUpstreamError(upstream, error));
    this.upstream = upstream;
    return upstream;
  }

  private onUpstreamData(upstream: net.Socket, chunk: Buffer): void {
    if (upstream !== this.upstream || this.answersEnded) return;
    if (this.upstreamBytes) this.toClient(chunk, 0, chunk.length);
    else {
      this.readResponses(chunk);
      doneParsing();
    }
  }

  private readResponses(chunk: Buffer): void {
    const parser = this.responses;
    let position = 0;
    const sent = 0;
    while (position < chunk.length) {
      const startedInHead = this.responseHead.length > 0;
      const stop = parser.run(chunk, position);
      const at = parser.at;
      if (startedInHead && !parser.inHead && stop !== Stop.Error) {
        this.toClient(Buffer.concat(this.responseHead), 0, Infinity);
        this.responseHead = [];
      }
      if (stop === Stop.End) {
        if (parser.inHead) {
          this.toClient(chunk, sent, position);
          this.responseHead.push(position === 0 ? chunk : chunk.subarray(position));
          if (byteLength(this.responseHead) > http.maxHeaderSize)
            this.upstreamFailed(headersOverflow(), true);
          return;
        }
        break;
      }
      if (stop === Stop.Error) {
        this.toClient(chunk, sent, parser.inHead ? position : at);
        this.upstreamFailed(parseError(parser.error), parser.inHead || !parser.inMessage);
        return;
      }
      if (stop === Stop.Upgrade) {
        this.sent.shift();
        this.upstreamBytes = true;
        this.clientBytes = true;
        this.toClient(chunk, sent, chunk.length);
        return;
      }
      position = at;
      if (parser.status >= 200) this.answered();
      if (this.closesAfter) {
        // The answer closes the connection: the upstream's bytes after it are none of the client's.
        this.toClient(chunk, sent, at);
        this.answersEnded = true;
        return;
      }
      if (this.held !== undefined && this.sent.length === 0) {
        this.toClient(chunk, sent, at);
        this.handOver();
        return;
      }
    }
    this.toClient(chunk, sent, chunk.length);
  }

  /**
   * Requests whose head went upstream and whose final answer has not all come back (a request
   * whose connection closes counts no more: the connection leaves its owner), and an Upgrade
   * granted, which counts while its connection is open, as Envoy counts a WebSocket's stream.
   */
  get requestsInFlight(): number {
    return this.sent.length + (this.upstreamBytes ? 1 : 0);
  }

  /** The oldest request's final answer is all through. */
  private answered(): void {
    const request = this.sent.shift();
    if (request?.keepAlive === false || !this.responses.keepAlive) this.closesAfter = true;
    this.waitingSince = this.sent.length === 0 ? 0 : monotonicNow();
  }

  private toClient(chunk: Buffer, from: number, to: number): void {
    const end = Math.min(to, chunk.length);
    if (from >= end) return;
    const upstream = this.upstream;
    if (
      !this.client.write(from === 0 && end === chunk.length ? chunk : chunk.subarray(from, end)) &&
      !this.upstreamPaused
    ) {
      this.upstreamPaused = true;
      upstream?.pause();
      this.client.once('drain', () => {
        this.upstreamPaused = false;
        upstream?.resume();
      });
    }
  }

  private onUpstreamEnd(upstream: net.Socket): void {
    if (upstream !== this.upstream) return;
    if (this.upstreamBytes) {
      this.client.end();
      return;
    }
    const parser = this.responses;
    const wasReading = parser.inMessage && !parser.inHead;
    const complete = parser.finish();
    if (wasReading && complete) {
      // An answer without a length ends with the connection: so does the client's.
      this.answered();
      this.client.end();
      return;
    }
    // After an answer that closes the connection, requests pipelined behind it go unanswered, as
    // the answer told the client: no failure.
    if ((this.sent.length === 0 || this.closesAfter) && !parser.inMessage) {
      this.upstream = undefined;
      upstream.destroy();
      if (this.closesAfter || this.client.readableEnded) {
        this.detach();
        this.client.end();
        return;
      }
      // The upstream closed an idle connection (its keep-alive timeout): the next request dials again.
      if (this.held !== undefined) this.handOver();
      return;
    }
    this.upstreamFailed(new ClosedError(), !parser.inMessage || parser.inHead);
  }

  private onUpstreamError(upstream: net.Socket, error: Error): void {
    if (upstream !== this.upstream) return;
    if (this.upstreamBytes) {
      this.client.destroy();
      return;
    }
    const parser = this.responses;
    if (this.sent.length === 0 && !parser.inMessage) {
      this.upstream = undefined;
      upstream.destroy();
      return;
    }
    this.upstreamFailed(error, !parser.inMessage || parser.inHead);
  }

  /**
   * The client began a request's head and did not finish it in time: once the requests before it
   * are answered, it gets node:http's 408 and the connection closes, as on the full path.
   */
  headTimedOut(): void {
    if (this.sent.length > 0) return;
    this.headBegunAt = 0;
    this.requestHead = [];
    this.upstream?.destroy();
    this.upstream = undefined;
    this.detach();
    this.client.end('HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n');
  }

  /** No answer's head came within the upstream response timeout. */
  timedOut(timeoutMs: number): void {
    this.upstreamFailed(new HeadersTimeoutError(), true, timeoutMs);
  }

  /**
   * The upstream failed the oldest request: before its answer began (`unanswered`), the client
   * gets a 502 (504 for a timeout) saying why, as on the full path; after, the answer is cut.
   * Either way the connection closes, as requests behind it may have reached the upstream.
   */
  private upstreamFailed(error: Error, unanswered: boolean, timeoutMs?: number): void {
    const upstream = this.upstream;
    this.upstream = undefined;
    upstream?.destroy();
    const proxy = this.owner.proxy;
    const request = this.sent[0];
    this.sent.length = 0;
    this.waitingSince = 0;
    this.detach();
    if (request === undefined) {
      this.client.destroy();
      return;
    }
    const label = labelOf(request.head, this.connection.id);
    if (!unanswered) {
      const status = this.responses.status;
      const bodyBytes = this.responses.bodyBytes;
      reportUpstreamFailure(proxy, label, answerCut(proxy, bodyBytes, error), status, bodyBytes);
      this.client.destroy();
      return;
    }
    const text = upstreamFailure(proxy, error, timeoutMs);
    const status = isResponseTimeout(error) ? 504 : 502;
    reportUpstreamFailure(proxy, label, text, status);
    const body = Buffer.from(`${text}\n`);
    this.client.end(
      `HTTP/1.1 ${status} ${status === 504 ? 'Gateway Timeout' : 'Bad Gateway'}\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n${body.toString()}`,
    );
  }

  /** A request's body stopped being HTTP/1.1 after its head went upstream: both sides are reset. */
  private badRequestBody(reason: string): void {
    const head = this.sent.at(-1)?.head;
    this.owner.proxy.protocolMismatch({
      connection: this.connection.id,
      client: this.connection.client,
      received: 'unknown',
      detail: `the body of ${head === undefined ? 'a request' : shownRequestLine(requestLine(head))} is not HTTP/1.1 (${reason})`,
      answer: 'the connection is reset, the upstream connection too',
    });
    if (this.upstream !== undefined) resetConnection(this.upstream);
    this.upstream = undefined;
    this.detach();
    resetConnection(this.client);
  }

  private readonly onClientEnd = (): void => {
    if (this.held !== undefined) {
      // node:http cannot take a connection whose end was read: what is held goes the bytes' way.
      const held = this.held;
      this.held = undefined;
      for (const chunk of held) this.toUpstream(chunk);
    }
    if (this.upstream) this.upstream.end();
    else this.client.end();
  };

  private readonly onClientClose = (): void => {
    this.upstream?.destroy();
    this.upstream = undefined;
    this.release();
  };

  /** The proxy stops: both connections close. (A changed upstream closes every connection of the proxy.) */
  close(): void {
    this.upstream?.destroy();
    this.client.destroy();
  }
}
