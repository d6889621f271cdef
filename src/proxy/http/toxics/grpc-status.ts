import type { GrpcStatusAttributes } from '../../../model/toxics/grpc-status.js';
import type { RequestToxicImplementation } from './index.js';

export const grpcStatus: RequestToxicImplementation = {
  plan(plan, attributes, { by }) {
    const { code, message } = attributes as GrpcStatusAttributes;
    plan.abort = { kind: 'grpc', code, message, by };
    plan.fired.push({ by, action: 'grpc_status' });
  },
};
