import type { z } from 'zod';
import { describeValue, FaultlineError } from './errors.js';

/**
 * Toxiproxy decodes bodies with Go's encoding/json, which matches keys case-insensitively
 * ("Name", "UPSTREAM" and "Attributes" all work). Clients rely on it, so keys are folded to the
 * canonical spelling before validation. Keys that match no field are rejected with the list of
 * accepted ones, where Toxiproxy silently dropped them.
 */
export function canonicalKeys(
  value: unknown,
  accepted: readonly string[],
  where: string,
): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new FaultlineError(
      'FAULTLINE_ERR_BAD_BODY',
      `bad request body: ${where} must be a JSON object, received ${describeValue(value)}`,
    );
  }
  const byLowerCase = new Map(accepted.map((key) => [key.toLowerCase(), key]));
  const result: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    const canonical = byLowerCase.get(key.toLowerCase());
    if (canonical === undefined) {
      throw new FaultlineError(
        'FAULTLINE_ERR_UNKNOWN_FIELD',
        `unknown field ${JSON.stringify(key)} in ${where}; accepted fields: ${accepted.join(', ')}`,
      );
    }
    if (field !== null) result[canonical] = field;
  }
  return result;
}

/** Validates with a schema and turns the first issue into a message naming field, value and rule. */
export function parseWith<T>(schema: z.ZodType<T>, value: unknown, where: string): T {
  const result = schema.safeParse(value, { reportInput: true });
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const path = issue.path.map(String).join('.');
  const received = 'input' in issue ? `, received ${describeValue(issue.input)}` : '';
  throw new FaultlineError(
    'FAULTLINE_ERR_INVALID_FIELD',
    `invalid ${path || 'value'} in ${where}: ${issue.message}${received}`,
  );
}
