import { type RequestLabel, splitTarget } from './report.js';

/**
 * What a pass-through connection tells of its requests and of its upstream's failures, in the
 * words the full path uses (undici's error codes, the request's method and path).
 */

/** The size of a head that came in parts. */
export function byteLength(parts: Buffer[]): number {
  let length = 0;
  for (const part of parts) length += part.length;
  return length;
}

/** What undici says of an answer head over the limit, which the full path answers 502. */
export function headersOverflow(): Error {
  return Object.assign(new Error('Headers Overflow Error'), { code: 'UND_ERR_HEADERS_OVERFLOW' });
}

/** The request line of a head, as sent. */
export function requestLine(head: Buffer): string {
  const end = head.indexOf(0x0d);
  return head.toString('latin1', 0, end === -1 ? Math.min(head.length, 200) : end);
}

export function labelOf(head: Buffer, connection: number): RequestLabel {
  const [method = 'GET', target = '/'] = requestLine(head).split(' ');
  return { connection, method, path: splitTarget(target).path };
}

/** llhttp's "HPE_NAME: reason" as an error whose code and message the 502 names. */
export function parseError(error: string): Error {
  const colon = error.indexOf(': ');
  return Object.assign(new Error(error.slice(colon + 2)), { code: error.slice(0, colon) });
}

export class ClosedError extends Error {
  readonly code = 'UND_ERR_SOCKET';
  constructor() {
    super('other side closed');
  }
}

export class HeadersTimeoutError extends Error {
  readonly code = 'UND_ERR_HEADERS_TIMEOUT';
  constructor() {
    super('Headers Timeout Error');
  }
}
