/**
 * The gRPC status a gRPC client reads for an HTTP status, as gRPC's own mapping
 * (doc/http-grpc-status-mapping.md) and Envoy's local replies give it: an HTTP abort asked for
 * on a gRPC call is answered in gRPC's terms, which the client can read.
 */
export function grpcCodeForHttpStatus(status: number): number {
  switch (status) {
    case 400:
      return 13; // INTERNAL
    case 401:
      return 16; // UNAUTHENTICATED
    case 403:
      return 7; // PERMISSION_DENIED
    case 404:
      return 12; // UNIMPLEMENTED
    case 429:
    case 502:
    case 503:
    case 504:
      return 14; // UNAVAILABLE
    default:
      return 2; // UNKNOWN
  }
}
