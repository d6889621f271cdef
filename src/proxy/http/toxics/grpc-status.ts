import type { GrpcStatusAttributes } from '../../../model/toxics/grpc-status.js';
import { isGrpcCall } from '../grpc-call.js';
import type { RequestToxicImplementation } from './index.js';

/** Only gRPC calls get a gRPC status; any other request passes through untouched. */
export const grpcStatus: RequestToxicImplementation = {
  appliesTo: (facts) => isGrpcCall(facts.headers),
  plan(plan, attributes, { by }) {
    const { code, message } = attributes as GrpcStatusAttributes;
    plan.abort = { kind: 'grpc', code, message, by };
    plan.fired.push({ by, action: 'grpc_status' });
  },
};
