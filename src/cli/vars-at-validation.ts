import type { Vars } from '../experiment/configuration.js';
import { validationErrorsOf } from '../experiment/errors.js';
import { isObject } from '../model/experiment.js';

const MISSING_ENV = /^Configuration makes reference to an environment key that does not exist: (.+)$/;

/**
 * chaos run validates the configuration before it applies --var and --var-file (chaoslib's
 * ensure_experiment_is_valid loads it without them), and faultline does the same: an env key
 * with no default fails validation even when a var gives its value. The error alone reads as
 * if the var had been ignored, so it says what to do.
 */
export function explainVarsAtValidation(error: unknown, document: unknown, vars: Vars): unknown {
  const declared = isObject(document) && isObject(document.configuration) ? document.configuration : {};
  for (const each of validationErrorsOf(error)) {
    const missing = MISSING_ENV.exec(each.message)?.[1];
    const key = Object.keys(vars.configuration).find((name) => {
      const entry = declared[name];
      return isObject(entry) && entry.type === 'env' && entry.key === missing;
    });
    if (key === undefined) continue;
    each.message +=
      ` (the value given for '${key}' by --var or --var-file is applied after validation, as chaos run does:` +
      ` set ${missing}, give '${key}' a "default", or run with --no-validation)`;
  }
  return error;
}
