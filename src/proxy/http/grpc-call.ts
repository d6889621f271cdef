import type { RequestFacts } from '../../model/match.js';

/** A gRPC call says so in its content-type: application/grpc, or application/grpc+proto and the like. */
export function isGrpcCall(headers: RequestFacts['headers']): boolean {
  const value = headers['content-type'];
  const type = (Array.isArray(value) ? value[0] : value)?.trim().toLowerCase() ?? '';
  return (
    type === 'application/grpc' ||
    type.startsWith('application/grpc+') ||
    type.startsWith('application/grpc;')
  );
}
