import type { Socket } from 'node:net';
import { Agent, buildConnector, type Dispatcher } from 'undici';
import type { TrustedCas } from '../../net/fetch-any-port.js';

/**
 * requests' prepare_content_length sends `Content-Length: 0` on a request with no body whose
 * method is neither GET nor HEAD; some servers answer 411 Length Required without it. undici
 * sends it for POST, PUT and PATCH only, and drops it, even when given, for DELETE, OPTIONS and
 * the rest. These agents put it back: undici writes a request's head as one string (a body, always
 * as bytes), so a head for such a method that names no length and no transfer-encoding gets
 * `content-length: 0` before its blank line. Used by the http provider alone.
 */
export function requestsLengthDispatcher(
  insecure: boolean,
  connectMs: number | undefined,
  cas: TrustedCas | undefined,
): Dispatcher {
  const trusted = insecure ? undefined : cas;
  const key = `${insecure}:${connectMs}:${trusted?.path ?? ''}:${trusted?.pem.length ?? 0}`;
  let dispatcher = agents.get(key);
  if (!dispatcher) {
    const connector = buildConnector({
      ...(connectMs === undefined ? {} : { timeout: connectMs }),
      ...(insecure ? { rejectUnauthorized: false } : {}),
      ...(trusted ? { ca: trusted.pem } : {}),
    });
    const connect: buildConnector.connector = (options, callback) =>
      connector(options, (error, socket) => {
        if (socket) writeEmptyLength(socket);
        callback(error as Error & null, socket as Socket & null);
      });
    dispatcher = new Agent({ connect });
    agents.set(key, dispatcher);
  }
  return dispatcher;
}

const agents = new Map<string, Dispatcher>();

/** The head of a request, as undici writes it: request line, headers, blank line. */
const HEAD = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+) [^\r\n]* HTTP\/1\.1\r\n/;
const LENGTH_NAMED = /\r\n(?:content-length|transfer-encoding):/i;

export function withEmptyLength(chunk: string): string {
  const method = HEAD.exec(chunk)?.[1];
  if (method === undefined || method === 'GET' || method === 'HEAD') return chunk;
  if (!chunk.endsWith('\r\n\r\n') || LENGTH_NAMED.test(chunk)) return chunk;
  return `${chunk.slice(0, -2)}content-length: 0\r\n\r\n`;
}

function writeEmptyLength(socket: Socket): void {
  const write = socket.write.bind(socket) as (...args: unknown[]) => boolean;
  socket.write = ((chunk: unknown, ...rest: unknown[]) =>
    write(typeof chunk === 'string' ? withEmptyLength(chunk) : chunk, ...rest)) as Socket['write'];
}
