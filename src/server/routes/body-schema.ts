import { type $ZodType, safeParse } from 'zod/v4/core';
import { FaultlineError } from '../../model/errors.js';

/** Checks a request body against a schema; the first problem becomes a 400 that names the field. */
export function parseBody<T>(schema: $ZodType<T>, value: unknown, what: string, fields: string): T {
  const result = safeParse(schema, value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  if (issue.code === 'unrecognized_keys') {
    throw new FaultlineError('FAULTLINE_ERR_UNKNOWN_FIELD', `unknown field ${issue.keys.join(', ')}`, {
      hint: `${what} takes ${fields}`,
    });
  }
  const field = issue.path.join('.');
  if (field === '') {
    throw new FaultlineError('FAULTLINE_ERR_BAD_BODY', `bad request body: ${issue.message}`, {
      hint: `${what} takes a JSON object with ${fields}`,
    });
  }
  const missing = issue.code === 'invalid_type' && valueAt(value, issue.path) === undefined;
  throw new FaultlineError(
    missing ? 'FAULTLINE_ERR_MISSING_FIELD' : 'FAULTLINE_ERR_INVALID_FIELD',
    missing ? `missing required field: ${field}` : `invalid field ${field}: ${issue.message}`,
    { hint: `${what} takes ${fields}` },
  );
}

function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  let current = value;
  for (const key of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}
