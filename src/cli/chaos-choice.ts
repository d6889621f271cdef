import { Option } from 'commander';
import { didYouMean } from '../model/closest-key.js';
import { pyStringRepr } from '../model/python-string-repr.js';
import { UsageError } from './context.js';

/**
 * chaos's options with a set of values are click Choices, which refuse another value with
 * `Invalid value for '--rollback-strategy': 'x' is not one of 'default', 'always', 'never',
 * 'deviated'.` (exit 2). A script or test that greps chaos's message finds the same one here, and
 * faultline's "did you mean" comes after it.
 */
export function chaosChoiceError(flag: string, value: string, choices: readonly string[]): UsageError {
  const listed = choices.map(pyStringRepr).join(', ');
  const refused =
    choices.length === 1
      ? `${pyStringRepr(value)} is not ${listed}.`
      : `${pyStringRepr(value)} is not one of ${listed}.`;
  const hint = didYouMean(value, choices).trim();
  const suggestion = hint === '' ? '' : ` ${hint[0]!.toUpperCase()}${hint.slice(1)}`;
  return new UsageError(`Invalid value for '${flag}': ${refused}${suggestion}`);
}

/** An option taking one of `choices` (listed in its help), refused as chaos refuses another. */
export function chaosChoiceOption<T extends string>(
  flags: string,
  description: string,
  choices: readonly T[],
): Option {
  const option = new Option(flags, description).choices(choices);
  return option.argParser((value: string): T => {
    if ((choices as readonly string[]).includes(value)) return value as T;
    throw chaosChoiceError(option.long ?? flags, value, choices);
  });
}
