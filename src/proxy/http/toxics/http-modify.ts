import type { HttpModifyAttributes } from '../../../model/toxics/http-modify.js';
import type { Actor, RequestPlan } from '../request-plan.js';
import type { RequestToxicImplementation } from './index.js';

/** Later toxics win where two set the same thing. */
export const httpModify: RequestToxicImplementation = {
  plan(plan, attributes, { by }) {
    addRewrite(plan, attributes as HttpModifyAttributes, by, 'request');
    plan.fired.push({ by, action: 'modify' });
  },
};

/**
 * Adds what an http_modify rewrites to the plan: from the `request` stage on (its request
 * headers, then the answer), or only the `response`, once the request has gone upstream.
 */
export function addRewrite(
  plan: RequestPlan,
  modify: HttpModifyAttributes,
  by: Actor,
  from: 'request' | 'response',
): void {
  if (from === 'request') Object.assign(plan.requestHeaders, lowerCase(modify.request_headers));
  Object.assign(plan.responseHeaders, lowerCase(modify.response_headers));
  if (modify.status !== 0) {
    plan.status = modify.status;
    plan.statusBy = by;
  }
  if (modify.body !== null) {
    plan.body = modify.body;
    plan.jsonPatch = undefined;
    plan.bodyBy = by;
  }
  if (modify.json_patch !== null) {
    plan.jsonPatch = modify.json_patch;
    plan.body = undefined;
    plan.bodyBy = by;
  }
}

function lowerCase(edits: Record<string, string | null>): Record<string, string | null> {
  return Object.fromEntries(Object.entries(edits).map(([name, value]) => [name.toLowerCase(), value]));
}
