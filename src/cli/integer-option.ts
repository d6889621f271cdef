import { InvalidArgumentError } from 'commander';

/**
 * Decimal digits with an optional sign, as --seed takes them. Number() alone would read "" and
 * " " as 0 (an unset `--port "$PORT"` would pick a random port), and "0x10" or "1e3" as numbers.
 */
const WHOLE_NUMBER = /^\s*[+-]?\d+\s*$/;

/** A commander parser for a whole-number flag between `min` and `max`, inclusive. */
export function integer(name: string, min: number, max: number) {
  return (value: string): number => {
    const number = WHOLE_NUMBER.test(value) ? Number(value) : NaN;
    if (!Number.isSafeInteger(number) || number < min || number > max) {
      throw new InvalidArgumentError(
        `${name} must be a whole number from ${min} to ${max}, received "${value}".`,
      );
    }
    return number;
  };
}
