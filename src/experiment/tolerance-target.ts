import { isObject, type JsonObject } from '../model/experiment.js';
import { InvalidActivity } from './errors.js';
import { pyTruthy } from './python-values.js';

/** What an http or process probe returns, always an object: the keys a tolerance can target. */
const OUTPUT_KEYS: Record<string, string> = {
  http: '"status", "headers" or "body"',
  process: '"status", "stdout" or "stderr"',
};

/**
 * A regex or range tolerance with no `target` tests the whole output; on the object an http or
 * process probe returns, chaos run crashes when it checks it. Known before the run, so refused.
 */
export function refuseUntargetedTolerance(probe: JsonObject): void {
  const { tolerance, provider } = probe;
  if (!isObject(tolerance) || !isObject(provider) || typeof provider.type !== 'string') return;
  const keys = OUTPUT_KEYS[provider.type];
  // chaoslib reads `if target:`, so an empty target is none.
  if (keys === undefined || pyTruthy(tolerance.target)) return;
  if (tolerance.type !== 'regex' && tolerance.type !== 'range') return;
  throw new InvalidActivity(
    `the ${tolerance.type} tolerance of probe '${String(probe.name)}' has no "target", so it would test the whole output of the ${provider.type} probe, an object, which cannot be checked (chaos run crashes on it): add "target": ${keys}`,
  );
}
