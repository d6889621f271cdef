import { InvalidArgumentError } from 'commander';

/** A server seed as the user gave it, and the 31-bit seed the random source starts from. */
export interface ServerSeed {
  readonly given: string;
  readonly seed: number;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const SEED_MAX = 2n ** 31n - 1n;

/**
 * A commander parser for `--seed`: any int64, as Toxiproxy's `-seed` takes (its default is the
 * time in nanoseconds). Seeds from 0 to 2^31-1 are used as they are, so earlier runs replay
 * unchanged; any other is folded into that range, the same way every time.
 */
export function parseServerSeed(value: string): ServerSeed {
  const text = value.trim();
  if (!/^[+-]?\d{1,19}$/.test(text)) throw invalidSeed(value);
  const number = BigInt(text);
  if (number < INT64_MIN || number > INT64_MAX) throw invalidSeed(value);
  if (number >= 0n && number <= SEED_MAX) return { given: String(number), seed: Number(number) };
  return { given: String(number), seed: Number(mix64(BigInt.asUintN(64, number)) & SEED_MAX) };
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

/** SplitMix64's finaliser: nearby seeds (1e18, 1e18 + 1, -1) land far apart. */
function mix64(value: bigint): bigint {
  let z = value;
  z = BigInt.asUintN(64, (z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n);
  z = BigInt.asUintN(64, (z ^ (z >> 27n)) * 0x94d049bb133111ebn);
  return z ^ (z >> 31n);
}

function invalidSeed(value: string): InvalidArgumentError {
  return new InvalidArgumentError(
    `--seed must be a whole number from ${INT64_MIN} to ${INT64_MAX} (Toxiproxy's int64), received "${value}".`,
  );
}
