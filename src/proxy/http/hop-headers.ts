import { HOP_BY_HOP_HEADERS } from '../../model/hop-headers.js';

/**
 * The hop-by-hop headers, plus `expect`, which the proxy answers itself (100 Continue), and
 * h2c's `http2-settings`. They are not forwarded; the next hop makes its own.
 */
export const hopHeaders = new Set([...HOP_BY_HOP_HEADERS, 'expect', 'http2-settings']);

export function isHopHeader(lowerCaseName: string): boolean {
  return hopHeaders.has(lowerCaseName);
}

const noNames: readonly string[] = [];

/**
 * The headers a message's `Connection` header names (RFC 9110 7.6.1): hop-by-hop for that
 * message, so not forwarded either. Names already hop-by-hop (`keep-alive`) are left out: the
 * common message then names none, and costs nothing more.
 */
export function namedByConnection(connection: string | readonly string[] | undefined): readonly string[] {
  if (connection === undefined) return noNames;
  // The usual value is one token (`keep-alive`, `close`): no list to split.
  if (typeof connection === 'string' && !connection.includes(',')) {
    const name = connection.trim().toLowerCase();
    return name === '' || hopHeaders.has(name) ? noNames : [name];
  }
  let names: string[] | undefined;
  for (const field of typeof connection === 'string' ? [connection] : connection) {
    for (const token of field.split(',')) {
      const name = token.trim().toLowerCase();
      if (name === '' || hopHeaders.has(name)) continue;
      (names ??= []).push(name);
    }
  }
  return names ?? noNames;
}
