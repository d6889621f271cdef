import { InvalidArgumentError } from 'commander';
import { foldSeed, SEED_MAX } from '../model/seed-fold.js';

/** A server seed as the user gave it, and the 31-bit seed the random source starts from. */
export interface ServerSeed {
  readonly given: string;
  readonly seed: number;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * A commander parser for `--seed`: any int64, as Toxiproxy's `-seed` takes (its default is the
 * time in nanoseconds), folded into 31 bits by foldSeed as createEngine folds it.
 */
export function parseServerSeed(value: string): ServerSeed {
  const text = value.trim();
  if (!/^[+-]?\d{1,19}$/.test(text)) throw invalidSeed(value);
  const number = BigInt(text);
  if (number < INT64_MIN || number > INT64_MAX) throw invalidSeed(value);
  return { given: String(number), seed: foldSeed(number) };
}

/**
 * The seed the server runs with, which replays the run, and how a --seed outside 0 to 2^31-1 was
 * folded into it: "1925954939, folded from --seed -1 (outside 0 to 2147483647)".
 */
export function seedText(seed: number, given: string | undefined): string {
  return given === undefined || given === String(seed)
    ? String(seed)
    : `${seed}, folded from --seed ${given} (outside 0 to ${SEED_MAX})`;
}

function invalidSeed(value: string): InvalidArgumentError {
  return new InvalidArgumentError(
    `--seed must be a whole number from ${INT64_MIN} to ${INT64_MAX} (Toxiproxy's int64), received "${value}".`,
  );
}
