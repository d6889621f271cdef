import type { RequestFacts } from '../../../model/match.js';
import type { RandomSource } from '../../../model/random.js';
import type { Attributes, RequestToxicType } from '../../../model/toxics/index.js';
import type { Actor, RequestPlan } from '../request-plan.js';
import { grpcStatus } from './grpc-status.js';
import { httpAbort } from './http-abort.js';
import { httpDelay } from './http-delay.js';
import { httpModify } from './http-modify.js';

export interface RequestToxicContext {
  readonly random: RandomSource;
  readonly by: Actor;
}

/** A request toxic adds what it does to the request's plan; the protocol carries the plan out. */
export interface RequestToxicImplementation {
  /** Whether the toxic can act on this request at all (before its match, counters and toxicity); all by default. */
  appliesTo?(facts: RequestFacts): boolean;
  plan(plan: RequestPlan, attributes: Attributes, context: RequestToxicContext): void;
}

/** Every request toxic the model defines has an implementation; the compiler checks completeness. */
export const requestToxicImplementations: {
  readonly [type in RequestToxicType]: RequestToxicImplementation;
} = {
  http_abort: httpAbort,
  http_delay: httpDelay,
  http_modify: httpModify,
  grpc_status: grpcStatus,
};
