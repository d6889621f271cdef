import { HOP_BY_HOP_HEADERS } from '../../model/hop-headers.js';

/**
 * The hop-by-hop headers, plus `expect`, which node's server has already answered with 100
 * Continue, and h2c's `http2-settings`. They are not forwarded; the next hop makes its own.
 */
export const hopHeaders = new Set([...HOP_BY_HOP_HEADERS, 'expect', 'http2-settings']);

export function isHopHeader(lowerCaseName: string): boolean {
  return hopHeaders.has(lowerCaseName);
}
