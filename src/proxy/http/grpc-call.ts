// The gRPC faults and the match keys share one definition of a gRPC call.
export { isGrpcCall } from '../../model/match.js';
