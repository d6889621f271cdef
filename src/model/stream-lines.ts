import type { EngineEvent } from './events.js';
import { http2ErrorCode } from './http2-error-codes.js';

type StreamEvent = Extract<EngineEvent, { type: 'stream.opened' | 'stream.closed' }>;

/**
 * What `faultline watch` and the dashboard say of a long HTTP/2 stream's events:
 * `POST /shop.Orders/Watch (stream 1 of connection #3) open for 1001 ms: 200, 120 bytes of the body so far`.
 */
export function describeStreamEvent(event: StreamEvent): string {
  const which = `${event.method} ${event.path} (stream ${event.streamId} of connection #${event.connection})`;
  const answer = event.status === undefined ? 'no answer headers yet' : String(event.status);
  if (event.type === 'stream.opened')
    return `${which} open for ${event.openMs} ms: ${answer}, ${event.bodyBytes} bytes of the body so far`;
  const after = `after ${event.durationMs} ms, ${event.bodyBytes} bytes of the body`;
  const code = event.rstCode === undefined ? '' : http2ErrorCode(event.rstCode);
  switch (event.end) {
    case 'ended':
      return `${which} ended ${after}: ${event.grpcCode === undefined ? answer : `gRPC ${event.grpcCode}`}`;
    case 'client_reset':
      return `${which} reset by the client (RST_STREAM ${code}) ${after}`;
    case 'upstream_reset':
      return `${which} cut ${after}: the client got RST_STREAM ${code} (${event.error ?? 'the upstream failed it'})`;
    case 'connection_closed':
      return `${which} closed with its connection ${after} (a toxic on the connection, or the client gone)`;
  }
}
