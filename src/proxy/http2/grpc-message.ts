import http2 from 'node:http2';

/** gRPC's grpc-message encoding: bytes outside printable ASCII, and %, are percent-encoded (UTF-8). */
export function encodeGrpcMessage(message: string): string {
  let out = '';
  for (const byte of Buffer.from(message, 'utf8')) {
    out +=
      byte >= 0x20 && byte <= 0x7e && byte !== 0x25
        ? String.fromCharCode(byte)
        : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Ends a gRPC call with `code` in trailers-only form: the status and its message in the headers. */
export function answerGrpcStatus(
  stream: http2.ServerHttp2Stream,
  code: number,
  message: string | undefined,
): void {
  stream.respond(
    {
      [http2.constants.HTTP2_HEADER_STATUS]: 200,
      'content-type': 'application/grpc',
      'grpc-status': String(code),
      ...(message ? { 'grpc-message': encodeGrpcMessage(message) } : {}),
    },
    { endStream: true },
  );
}
