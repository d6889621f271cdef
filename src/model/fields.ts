import { type $ZodType, safeParse } from 'zod/v4/core';
import { closest } from './closest-key.js';
import { describeValue, FaultlineError } from './errors.js';

/**
 * The Go type a Toxiproxy body decodes into, so a wrongly typed field gets the text Go's
 * encoding/json gives (`json: cannot unmarshal string into Go struct field Proxy.name of type
 * string`), which is what Toxiproxy sends and what its users have seen.
 */
export interface GoShape {
  /** The decoded value's type as Go prints it, e.g. "toxiproxy.Proxy". */
  readonly value: string;
  /** The struct name in field errors, e.g. "Proxy" or "LatencyToxic.attributes". */
  readonly struct: string;
  /** JSON field name → Go type, e.g. { name: 'string', enabled: 'bool' }. */
  readonly fields: Readonly<Record<string, string>>;
}

/** How Go's encoding/json names a JSON value it could not put into `goType`. */
export function goValueKind(value: unknown, goType: string): string {
  if (Array.isArray(value)) return 'array';
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return 'string';
    case 'boolean':
      return 'bool';
    case 'number':
      return /^u?int/.test(goType) ? `number ${value}` : 'number';
    default:
      return 'object';
  }
}

export function goFieldError(value: unknown, struct: string, field: string, goType: string): string {
  return `bad request body: json: cannot unmarshal ${goValueKind(value, goType)} into Go struct field ${struct}.${field} of type ${goType}`;
}

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
  go?: GoShape,
  /** Said after the accepted fields, e.g. what else a toxic's attributes may hold. */
  note = '',
  /** Keys taken elsewhere (a toxic's match and counters), also offered for a misspelt key. */
  alsoSuggested?: readonly string[],
): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const hint = `${where} must be a JSON object, received ${describeValue(value)}`;
    const reason = go
      ? `bad request body: json: cannot unmarshal ${goValueKind(value, go.value)} into Go value of type ${go.value}`
      : `bad request body: ${hint}`;
    throw new FaultlineError('FAULTLINE_ERR_BAD_BODY', reason, go ? { hint } : {});
  }
  const byLowerCase = new Map(accepted.map((key) => [key.toLowerCase(), key]));
  const result: Record<string, unknown> = {};
  const written = new Map<string, string>();
  for (const [key, field] of Object.entries(value)) {
    const canonical = byLowerCase.get(key.toLowerCase());
    if (canonical === undefined) {
      throw new FaultlineError(
        'FAULTLINE_ERR_UNKNOWN_FIELD',
        `bad request body: json: unknown field ${JSON.stringify(key)}`,
        {
          hint: `${where} has no field ${JSON.stringify(key)} (Toxiproxy would ignore it in silence)${acceptedText(accepted, note)}${didYouMean(key, alsoSuggested ? [...accepted, ...alsoSuggested] : accepted)}`,
        },
      );
    }
    const earlier = written.get(canonical);
    if (earlier !== undefined) {
      throw new FaultlineError(
        'FAULTLINE_ERR_BAD_BODY',
        `bad request body: duplicate key ${JSON.stringify(key)}`,
        {
          hint: `${where} has both ${JSON.stringify(earlier)} and ${JSON.stringify(key)}, one field (keys match case-insensitively, as in Toxiproxy), and only the last would be read: write it once`,
        },
      );
    }
    written.set(canonical, key);
    if (field !== null) result[canonical] = field;
  }
  return result;
}

/**
 * A schema built at its first use, not when its module loads: building the server's schemas
 * at start-up cost an idle server about 1.6 MB of RSS, for requests it may never receive.
 */
export function lazySchema<T>(build: () => T): () => T {
  let schema: T | undefined;
  return () => (schema ??= build());
}

/**
 * Validates with a schema. A value of the wrong JSON type gets Go's wording when `go` says what
 * the field decodes into; any other issue names field, value and rule.
 */
export function parseWith<T>(schema: $ZodType<T>, value: unknown, where: string, go?: GoShape): T {
  // Core's safeParse takes classic and mini schemas alike; the server's are mini.
  const result = safeParse(schema, value, { reportInput: true });
  if (result.success) return result.data;
  // A misspelt key also leaves its field missing: name the key the user wrote, not the absence.
  const issue =
    result.error.issues.find((candidate) => candidate.code === 'unrecognized_keys') ??
    result.error.issues[0]!;
  const path = issue.path.map(String).join('.');
  const keys = objectKeys(schema, issue.path);
  if (issue.code === 'unrecognized_keys' && keys) {
    const [key = ''] = issue.keys;
    throw new FaultlineError(
      'FAULTLINE_ERR_UNKNOWN_FIELD',
      `unknown field ${JSON.stringify(key)} in ${path ? `${path} of ` : ''}${where}`,
      {
        hint: `accepted keys: ${keys.join(', ')}${didYouMean(key, keys)}`,
      },
    );
  }
  // Only an object schema has keys, so a wrong type there is a value that is not an object.
  if (issue.code === 'invalid_type' && keys) {
    throw new FaultlineError('FAULTLINE_ERR_INVALID_FIELD', `invalid ${path || 'value'} in ${where}`, {
      hint: `expected an object with keys ${keys.join(', ')}, received ${describeValue(issue.input)}`,
    });
  }
  const received = `, received ${describeValue(issue.input)}`;
  // zod's own "received string" says less than the value itself, which follows.
  const message = issue.message.replace(/, received [a-z]+$/, '');
  const goType = go?.fields[path];
  if (go && goType && issue.code === 'invalid_type') {
    throw new FaultlineError(
      'FAULTLINE_ERR_INVALID_FIELD',
      goFieldError(issue.input, go.struct, path, goType),
      {
        hint: `invalid ${path} in ${where}: ${message}${received}`,
      },
    );
  }
  const code =
    issue.code === 'unrecognized_keys' ? 'FAULTLINE_ERR_UNKNOWN_FIELD' : 'FAULTLINE_ERR_INVALID_FIELD';
  throw new FaultlineError(code, `invalid ${path || 'value'} in ${where}`, {
    hint: `${message}${received}`,
  });
}

function acceptedText(accepted: readonly string[], note: string): string {
  if (accepted.length > 0) return `; accepted fields: ${accepted.join(', ')}${note}`;
  return note === '' ? '; it accepts no fields' : note;
}

function didYouMean(key: string, accepted: readonly string[]): string {
  const near = closest(key, accepted);
  return near === undefined ? '' : `; did you mean ${JSON.stringify(near)}?`;
}

/** The keys an object schema (or the object schema at `path` inside it) accepts. */
function objectKeys(schema: $ZodType, path: readonly PropertyKey[]): string[] | undefined {
  let current: $ZodType | undefined = schema;
  for (const key of path) current = shapeOf(current)?.[String(key)];
  const shape = shapeOf(current);
  return shape && Object.keys(shape);
}

/** The fields of an object schema, seen through optional(). */
function shapeOf(schema: $ZodType | undefined): Record<string, $ZodType> | undefined {
  const def = schema?._zod.def as
    { type?: string; shape?: Record<string, $ZodType>; innerType?: $ZodType } | undefined;
  if (def?.type === 'optional') return shapeOf(def.innerType);
  return def?.type === 'object' ? def.shape : undefined;
}
