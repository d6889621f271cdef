import type { IncomingHttpHeaders } from 'node:http';
import { HOP_BY_HOP_HEADERS } from '../model/hop-headers.js';

/** The proxy's own credentials are for this hop too. */
const hopByHop = [...HOP_BY_HOP_HEADERS, 'proxy-authenticate', 'proxy-authorization'];

/**
 * The end-to-end headers only: hop-by-hop ones and those the Connection header names are
 * dropped, so node:http frames the message it sends itself (Content-Length or chunked, never both).
 */
export function endToEnd(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const named = String(headers.connection ?? '')
    .split(',')
    .map((token) => token.trim().toLowerCase())
    .filter((token) => token !== '');
  const dropped = new Set([...hopByHop, ...named]);
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !dropped.has(name.toLowerCase())));
}
