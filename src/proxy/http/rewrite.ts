import { mergePatch } from '../../model/json-merge-patch.js';
import type { JsonValue } from '../../model/toxics/definition.js';
import type { HeaderEdits, RequestPlan } from './request-plan.js';

/** Bodies held to be rewritten stop growing here; beyond it the original passes unchanged. */
export const MAX_REWRITE_BYTES = 16 * 1024 * 1024;

export function rewritesBody(plan: RequestPlan | undefined): boolean {
  return plan !== undefined && (plan.body !== undefined || plan.jsonPatch !== undefined);
}

/** The new body: the replacement, or the JSON body with the merge patch; a body that is not JSON passes unchanged. */
export function rewriteBody(original: Buffer, plan: RequestPlan): Buffer {
  if (plan.body !== undefined) return Buffer.from(plan.body);
  if (plan.jsonPatch === undefined) return original;
  let parsed: JsonValue;
  try {
    parsed = JSON.parse(original.toString('utf8')) as JsonValue;
  } catch {
    return original;
  }
  return Buffer.from(JSON.stringify(mergePatch(parsed, plan.jsonPatch)));
}

/** Applies header edits to a lower-case header object in place. */
export function editHeaders(
  headers: Record<string, string | string[] | undefined>,
  edits: HeaderEdits,
): void {
  for (const [name, value] of Object.entries(edits)) {
    if (value === null) delete headers[name];
    else headers[name] = value;
  }
}
