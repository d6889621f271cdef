import type { IncomingHttpHeaders } from 'node:http';

/** Headers that describe one connection (RFC 9110 §7.6.1), never forwarded by a proxy. */
const hopByHop = [
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'proxy-authenticate',
  'proxy-authorization',
];

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
