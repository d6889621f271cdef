import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { FaultlineError } from '../model/errors.js';
import { errorBody } from './respond.js';

/** Connections the control API holds at once, by default: far past any client's pool. */
export const DEFAULT_MAX_API_CONNECTIONS = 1000;

/**
 * How long a refused connection may stay after its 503 was sent: enough for a client to read it
 * and close, while one that never closes its side cannot keep the descriptor.
 */
const REFUSED_GRACE_MS = 1000;

export interface ConnectionCap {
  /** A connection over the cap: it was answered 503 and is closing; its requests are not served. */
  refused(socket: Socket): boolean;
}

/**
 * Bounds the control API's open connections. Idle and half-sent connections each hold a file
 * descriptor until headersTimeout ends them, and the proxies draw on the same descriptors: a
 * client that opens thousands would starve every proxy of connections, in silence. One over the
 * cap is answered 503 with the reason at once and closed, before any request of it is served.
 * The log says so once per burst, then how many were refused once the count is below the cap.
 */
export function capConnections(server: Server, max: number, log: Logger): ConnectionCap {
  const refusedSockets = new WeakSet<Socket>();
  let open = 0;
  let refusedInBurst = 0;
  const answer = refusal(max);

  server.on('connection', (socket: Socket) => {
    open++;
    socket.once('close', () => {
      open--;
      if (refusedInBurst > 0 && open < max) {
        log.info(
          { refused: refusedInBurst, max_api_connections: max },
          `control API connections below --max-api-connections again; ${refusedInBurst} refused meanwhile`,
        );
        refusedInBurst = 0;
      }
    });
    if (open <= max) return;
    refusedSockets.add(socket);
    if (refusedInBurst++ === 0) {
      log.warn(
        { open: open - 1, max_api_connections: max, remote: `${socket.remoteAddress}:${socket.remotePort}` },
        `refusing control API connections: ${max} are open, the most --max-api-connections allows (each refused one is answered 503)`,
      );
    }
    socket.on('error', () => {});
    socket.end(answer);
    const timer = setTimeout(() => socket.destroy(), REFUSED_GRACE_MS);
    timer.unref();
    socket.once('close', () => clearTimeout(timer));
  });

  return { refused: (socket) => refusedSockets.has(socket) };
}

function refusal(max: number): string {
  const error = new FaultlineError('FAULTLINE_ERR_TOO_MANY_CONNECTIONS', 'too many connections', {
    hint: `the control API already holds ${max} connections, the most it allows (--max-api-connections); a client is opening connections without closing them (or idle ones wait for their timeout): close them, or raise the limit`,
  });
  const body = `${JSON.stringify(errorBody(error))}\n`;
  return [
    'HTTP/1.1 503 Service Unavailable',
    'Content-Type: text/plain; charset=utf-8',
    'X-Content-Type-Options: nosniff',
    'Connection: close',
    'Retry-After: 1',
    `Content-Length: ${Buffer.byteLength(body)}`,
    '',
    body,
  ].join('\r\n');
}
