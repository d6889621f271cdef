import { InvalidArgumentError } from 'commander';

/** Decimal digits, as kill, ab and strace read their numbers; Number() also reads 0x10 and 1e3. */
const decimalDigits = /^-?\d+$/;

/** A commander parser for a whole-number flag between `min` and `max`, inclusive. */
export function integer(name: string, min: number, max: number) {
  return (value: string): number => {
    const number = Number(value);
    if (!decimalDigits.test(value) || !Number.isSafeInteger(number) || number < min || number > max) {
      throw new InvalidArgumentError(
        `${name} must be a whole number from ${min} to ${max}, received "${value}".`,
      );
    }
    return number;
  };
}
