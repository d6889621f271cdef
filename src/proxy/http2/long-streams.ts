import type http2 from 'node:http2';
import type { RequestLabel } from '../http/report.js';
import type { ProxyView } from '../proxy-view.js';
import { grpcStatusIn } from './grpc-outcome.js';

/**
 * How long a stream is open before it is announced: a unary call or a page is over long before;
 * a gRPC streaming call or server-sent events are not.
 */
export const LONG_STREAM_MS = 1000;

/** How the proxy cut a client's stream because the upstream failed it: the code the client got, and why. */
interface Cut {
  readonly rstCode: number;
  readonly error: string;
}

interface Tracked {
  readonly label: RequestLabel;
  /** The client's connection: a closed stream no longer names it. */
  readonly session: http2.Http2Session | undefined;
  readonly arrivedAt: number;
  announced: boolean;
  bodyBytes: () => number;
  cut: Cut | undefined;
}

/**
 * Announces the HTTP/2 streams still open LONG_STREAM_MS after they arrived (`stream.opened`),
 * and how each of those ended (`stream.closed`): whole, with its gRPC status; reset by the
 * client (a cancel, a deadline: RST_STREAM CANCEL) or by the upstream (and the code the client
 * got); or with the client's connection (a reset_peer or timeout toxic, the client gone). Every
 * other report on a stream comes at its headers or its end: a ten-minute stream would show
 * nothing for ten minutes. Short streams, the many, send neither event.
 */
export class LongStreams {
  private readonly tracked = new Map<http2.ServerHttp2Stream, Tracked>();

  constructor(private readonly proxy: ProxyView) {}

  /** Watches a stream from its arrival to its close. */
  track(stream: http2.ServerHttp2Stream, label: RequestLabel): void {
    const entry: Tracked = {
      label,
      session: stream.session,
      arrivedAt: this.proxy.environment.clock.now(),
      announced: false,
      bodyBytes: () => 0,
      cut: undefined,
    };
    this.tracked.set(stream, entry);
    const timer = setTimeout(() => this.announce(stream, entry), LONG_STREAM_MS);
    timer.unref();
    stream.once('close', () => {
      clearTimeout(timer);
      this.tracked.delete(stream);
      if (entry.announced) this.closed(stream, entry);
    });
  }

  /** Where the count of body bytes the client got is read, once the stream is forwarded. */
  countBodyBytes(stream: http2.ServerHttp2Stream, bodyBytes: () => number): void {
    const entry = this.tracked.get(stream);
    if (entry) entry.bodyBytes = bodyBytes;
  }

  /** The proxy resets the client's stream with `rstCode`, as the upstream failed it (`error`). */
  cutByUpstream(stream: http2.ServerHttp2Stream, rstCode: number, error: string): void {
    const entry = this.tracked.get(stream);
    if (entry) entry.cut = { rstCode, error };
  }

  private announce(stream: http2.ServerHttp2Stream, entry: Tracked): void {
    if (stream.closed || stream.destroyed) return;
    entry.announced = true;
    const status = sentStatus(stream);
    this.proxy.environment.events.emit({
      type: 'stream.opened',
      proxy: this.proxy.name,
      ...common(stream, entry),
      openMs: Math.round(this.proxy.environment.clock.now() - entry.arrivedAt),
      ...(status === undefined ? {} : { status }),
      bodyBytes: entry.bodyBytes(),
    });
  }

  private closed(stream: http2.ServerHttp2Stream, entry: Tracked): void {
    const status = sentStatus(stream);
    const rstCode = stream.rstCode ?? 0;
    const how = entry.cut
      ? ({ end: 'upstream_reset', rstCode: entry.cut.rstCode, error: entry.cut.error } as const)
      : entry.session === undefined || entry.session.destroyed
        ? ({ end: 'connection_closed' } as const)
        : rstCode !== 0
          ? ({ end: 'client_reset', rstCode } as const)
          : ({ end: 'ended' } as const);
    const grpcCode = how.end === 'ended' ? sentGrpcStatus(stream) : undefined;
    this.proxy.environment.events.emit({
      type: 'stream.closed',
      proxy: this.proxy.name,
      ...common(stream, entry),
      durationMs: Math.round(this.proxy.environment.clock.now() - entry.arrivedAt),
      ...(status === undefined ? {} : { status }),
      bodyBytes: entry.bodyBytes(),
      ...how,
      ...(grpcCode === undefined ? {} : { grpcCode }),
    });
  }
}

function common(stream: http2.ServerHttp2Stream, entry: Tracked) {
  const { connection, method, path } = entry.label;
  return { connection, streamId: stream.id ?? 0, method, path };
}

/** The status of the answer's headers the client got, if they went out. */
function sentStatus(stream: http2.ServerHttp2Stream): number | undefined {
  if (!stream.headersSent) return undefined;
  const status = Number(stream.sentHeaders[':status']);
  return Number.isInteger(status) ? status : undefined;
}

/** The gRPC status the client got: in the trailers, or the headers of a trailers-only answer. */
function sentGrpcStatus(stream: http2.ServerHttp2Stream): number | undefined {
  const trailers = (stream as { sentTrailers?: http2.OutgoingHttpHeaders }).sentTrailers;
  return (
    (trailers && grpcStatusIn(trailers)) ??
    (stream.headersSent ? grpcStatusIn(stream.sentHeaders) : undefined)
  );
}
