import type http2 from 'node:http2';

/** The gRPC status a block of headers or trailers carries (`grpc-status`), if it carries one. */
export function grpcStatusIn(
  fields: http2.IncomingHttpHeaders | http2.OutgoingHttpHeaders,
): number | undefined {
  const value = fields['grpc-status'];
  if (value === undefined || Array.isArray(value)) return undefined;
  const code = Number(value);
  return Number.isInteger(code) && code >= 0 ? code : undefined;
}
