/** HTTP/2 error codes (RFC 9113 §7), as RST_STREAM and GOAWAY carry them. */
const names = [
  'NO_ERROR',
  'PROTOCOL_ERROR',
  'INTERNAL_ERROR',
  'FLOW_CONTROL_ERROR',
  'SETTINGS_TIMEOUT',
  'STREAM_CLOSED',
  'FRAME_SIZE_ERROR',
  'REFUSED_STREAM',
  'CANCEL',
  'COMPRESSION_ERROR',
  'CONNECT_ERROR',
  'ENHANCE_YOUR_CALM',
  'INADEQUATE_SECURITY',
  'HTTP_1_1_REQUIRED',
] as const;

/** An HTTP/2 error code as the RFC names it, `CANCEL (8)`, or the bare number when it names none. */
export function http2ErrorCode(code: number): string {
  const name = names[code];
  return name === undefined ? `code ${code}` : `${name} (${code})`;
}
