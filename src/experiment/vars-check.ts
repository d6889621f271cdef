import { type Experiment, isObject } from '../model/experiment.js';
import type { Vars } from './configuration.js';
import { InvalidExperiment } from './errors.js';
import { closest } from './known-keys.js';

export interface VarsCheck {
  /** The --var flags as given, so a dropped key is named as the flag or the file it came from. */
  varFlags: readonly string[];
  /** What var files hold beside their configuration and secrets (see loadVarFiles). */
  unread: readonly string[];
  strict: boolean;
}

/**
 * --var and --var-file only override what the experiment declares; chaos run drops the rest in
 * silence. faultline names each value that would be dropped (an error with --strict).
 */
export function checkVars(
  experiment: Experiment,
  vars: Vars,
  { varFlags, unread, strict }: VarsCheck,
  warn: (message: string) => void,
): void {
  const declared = isObject(experiment.configuration) ? Object.keys(experiment.configuration) : [];
  const scopes = isObject(experiment.secrets) ? Object.keys(experiment.secrets) : [];
  const fromFlags = new Set(varFlags.map((text) => text.split('=')[0]!.split(':')[0]!));
  const problems = [
    ...unread,
    ...Object.keys(vars.configuration)
      .filter((key) => !declared.includes(key))
      .map((key) =>
        unused(
          fromFlags.has(key) ? `--var ${key}` : `--var-file key ${key}`,
          'configuration key',
          key,
          declared,
        ),
      ),
    ...Object.keys(vars.secrets)
      .filter((scope) => !scopes.includes(scope))
      .map((scope) => unused(`--var-file secret scope ${scope}`, 'secret scope', scope, scopes)),
  ];
  if (strict && problems.length > 0) {
    throw new InvalidExperiment(`--strict: ${problems.join('; ')}`);
  }
  for (const problem of problems) warn(problem);
}

function unused(what: string, kind: string, key: string, declared: string[]): string {
  const suggestion = closest(key, declared);
  const hint = suggestion ? `; did you mean '${suggestion}'?` : '';
  const list = declared.length > 0 ? `declared: ${declared.join(', ')}` : 'it declares none';
  return `${what} is ignored: the experiment declares no ${kind} '${key}' (${list})${hint}`;
}
