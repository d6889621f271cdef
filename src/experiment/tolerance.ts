import { isObject, type Json, type JsonObject } from '../model/experiment.js';
import { bigIntegersInJson, bigIntegersWarning } from './big-integers.js';
import { compileJsonPath } from './jsonpath2.js';
import { parsePythonJson } from './python/python-json.js';
import { pyEquals, pyLessOrEqual, pyTruthy, pyType } from './python-values.js';
import { decimalWithin } from './python-decimal.js';
import { pythonRegex } from './python-regex.js';
import { type Scope, substitute } from './substitute.js';

/** Runs a probe used as a tolerance, with `value` set to the checked output; true when it passes. */
export type ProbeTolerance = (probe: JsonObject, value: unknown) => Promise<boolean>;

/**
 * Chaos Toolkit's within_tolerance, rule for rule (see docs/experiments.md): the type of the
 * tolerance decides. Errors that Chaos Toolkit lets crash the run (regex without target on an
 * object...) are thrown as TypeError here and become a failed check with the reason.
 */
export async function withinTolerance(
  rawTolerance: Json,
  value: unknown,
  scope: Scope,
  runProbe: ProbeTolerance,
  /** Hears what the check read but changed on the way (an integer past 2^53 in text read as JSON). */
  warn: (message: string) => void = () => undefined,
): Promise<boolean> {
  const tolerance = typeof rawTolerance === 'string' ? substitute(rawTolerance, scope) : rawTolerance;
  if (typeof tolerance === 'boolean') return pyEquals(value, tolerance);
  if (typeof tolerance === 'number') return pyEquals(statusOr(value), tolerance);
  if (typeof tolerance === 'string') return value === tolerance;
  if (Array.isArray(tolerance)) {
    if (isObject(value) && 'status' in value) return tolerance.some((item) => pyEquals(value.status, item));
    if (tolerance.length === 2) return withinPair(tolerance[0], tolerance[1], value);
    return tolerance.some((item) => pyEquals(value, item));
  }
  if (!isObject(tolerance)) return false;
  switch (tolerance.type) {
    case 'probe':
      return runProbe(tolerance, value);
    case 'regex': {
      const target = targetOf(tolerance, value);
      if (typeof target !== 'string') {
        throw new TypeError(
          `regex tolerance needs a string, got ${pyType(target)}; set "target" (e.g. "stdout" or "body")`,
        );
      }
      return compiled(String(substitute(tolerance.pattern ?? '', scope))).test(target);
    }
    case 'jsonpath':
      return jsonPathTolerance(tolerance, targetOf(tolerance, value), scope, warn);
    case 'range': {
      const target = targetOf(tolerance, value);
      // Decimal(True) is 1: a bool bound, which validation lets through as chaoslib does, is 0 or 1.
      const [low, high] = (tolerance.range as [number | boolean, number | boolean]).map(Number) as [
        number,
        number,
      ];
      if (typeof target === 'object') {
        throw new TypeError(
          `range tolerance needs a number, got ${pyType(target)}; set "target" (e.g. "status")`,
        );
      }
      return decimalWithin(target as string | number | boolean, low, high);
    }
    default:
      return false;
  }
}

/** Chaos Toolkit reads a two-item list as the range low <= value <= high, in Python's ordering. */
function withinPair(low: Json | undefined, high: Json | undefined, value: unknown): boolean {
  try {
    return pyLessOrEqual(low, value) && pyLessOrEqual(value, high);
  } catch (error) {
    throw new TypeError(
      `${(error as Error).message}: a list of two items is the range [low, high] in Chaos Toolkit, ` +
        'so both bounds and the value must be numbers, strings or lists; ' +
        'to accept either of two values, repeat one of them (three or more items mean "one of")',
    );
  }
}

function statusOr(value: unknown): unknown {
  return isObject(value) && 'status' in value ? value.status : value;
}

/** chaoslib's `if target: value = value.get(target, value)`: an empty target is none. */
function targetOf(tolerance: JsonObject, value: unknown): unknown {
  const target = tolerance.target;
  if (!pyTruthy(target)) return value;
  if (!isObject(value))
    throw new TypeError(`"target": ${JSON.stringify(target)} needs an object output, got ${pyType(value)}`);
  return typeof target === 'string' && Object.hasOwn(value, target) ? value[target] : value;
}

function jsonPathTolerance(
  tolerance: JsonObject,
  target: unknown,
  scope: Scope,
  warn: (message: string) => void,
): boolean {
  let document = target;
  if (typeof document === 'string') {
    try {
      // chaoslib's json.loads, which reads NaN and Infinity too.
      document = parsePythonJson(document);
      const rounded = bigIntegersWarning(
        'the text the jsonpath tolerance reads as JSON',
        bigIntegersInJson(target as string),
      );
      if (rounded) warn(rounded);
    } catch {
      // not JSON: match against the string itself
    }
  }
  const path = String(substitute(tolerance.path ?? '', scope));
  const literals: string[] = [];
  const select = compileJsonPath(path, (literal) => literals.push(literal));
  const roundedLiterals = bigIntegersWarning(
    `the jsonpath tolerance's path ${JSON.stringify(path)}`,
    literals.map((source) => ({ path: '', source })),
  );
  if (roundedLiterals) warn(roundedLiterals);
  const matches = select(document);
  let result = matches.length > 0;
  if (tolerance.count !== undefined && tolerance.count !== null)
    result = pyEquals(matches.length, tolerance.count);
  if ('expect' in tolerance) {
    const expected = substitute(tolerance.expect as Json, scope);
    result = pyEquals(matches, Array.isArray(expected) ? expected : [expected]);
  }
  return result;
}

/** A pattern that only fails once substituted crashes chaos run (re.error): it cannot be checked. */
function compiled(pattern: string): RegExp {
  try {
    return pythonRegex(pattern);
  } catch (error) {
    throw new TypeError(`regex pattern ${pattern} is invalid: ${(error as Error).message}`);
  }
}
