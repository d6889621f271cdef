/**
 * Headers that describe one hop, not the message (RFC 9110 §7.6.1), plus `expect`, which node's
 * server has already answered with 100 Continue. They are not forwarded; the next hop makes its own.
 */
export const hopHeaders = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'expect',
  'http2-settings',
]);

export function isHopHeader(lowerCaseName: string): boolean {
  return hopHeaders.has(lowerCaseName);
}
