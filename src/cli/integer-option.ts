import { InvalidArgumentError } from 'commander';

/** A commander parser for a whole-number flag between `min` and `max`, inclusive. */
export function integer(name: string, min: number, max: number) {
  return (value: string): number => {
    const number = Number(value);
    if (!Number.isSafeInteger(number) || number < min || number > max) {
      throw new InvalidArgumentError(
        `${name} must be a whole number from ${min} to ${max}, received "${value}".`,
      );
    }
    return number;
  };
}
