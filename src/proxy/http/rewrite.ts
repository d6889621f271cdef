import { mergePatch } from '../../model/json-merge-patch.js';
import type { JsonValue } from '../../model/toxics/definition.js';
import type { HeaderEdits, RequestPlan } from './request-plan.js';

/** Bodies held to be patched stop growing here; beyond it the original passes unchanged. */
export const MAX_REWRITE_BYTES = 16 * 1024 * 1024;

export function rewritesBody(plan: RequestPlan | undefined): boolean {
  return plan !== undefined && (plan.body !== undefined || plan.jsonPatch !== undefined);
}

/** A whole-body replacement needs none of the original: it applies at any size, without holding it. */
export function replacesBody(plan: RequestPlan | undefined): plan is RequestPlan & { body: string } {
  return plan !== undefined && plan.body !== undefined;
}

/** The body sent, and, when the change asked for could not be made, why the original passed. */
export interface RewrittenBody {
  readonly body: Buffer;
  readonly skipped: string | undefined;
}

/** The new body: the replacement, or the JSON body with the merge patch; a body that is not JSON passes unchanged. */
export function rewriteBody(original: Buffer, plan: RequestPlan): RewrittenBody {
  if (plan.body !== undefined) return { body: Buffer.from(plan.body), skipped: undefined };
  if (plan.jsonPatch === undefined) return { body: original, skipped: undefined };
  let parsed: JsonValue;
  try {
    parsed = JSON.parse(original.toString('utf8')) as JsonValue;
  } catch {
    return { body: original, skipped: NOT_JSON };
  }
  return { body: Buffer.from(JSON.stringify(mergePatch(parsed, plan.jsonPatch))), skipped: undefined };
}

export const NOT_JSON = 'json_patch: the body is not JSON; it passed unchanged';

export const TOO_LARGE_TO_PATCH = `json_patch: the body is over the ${MAX_REWRITE_BYTES} bytes (16 MiB) a patch holds; it passed unchanged`;

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
