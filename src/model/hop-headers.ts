/** Headers that describe one connection, not the message (RFC 9110 §7.6.1): a proxy never forwards them. */
export const HOP_BY_HOP_HEADERS: readonly string[] = [
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
];
