import type { HeaderEdits } from '../http/request-plan.js';
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

/** The fields that carry a gRPC call's status: in its trailers, or its headers when trailers-only. */
const statusFields = new Set(['grpc-status', 'grpc-message', 'grpc-status-details-bin']);

/**
 * Splits response header edits for a gRPC answer that has a body: its status goes in the
 * trailers, so edits of `grpc-status` and `grpc-message` apply there (in the headers, a client
 * would never read them).
 */
export function splitStatusEdits(edits: HeaderEdits): { headers: HeaderEdits; trailers: HeaderEdits } {
  const headers: HeaderEdits = {};
  const trailers: HeaderEdits = {};
  for (const [name, value] of Object.entries(edits))
    (statusFields.has(name) ? trailers : headers)[name] = value;
  return { headers, trailers };
}
