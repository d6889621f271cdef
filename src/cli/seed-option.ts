import { foldSeed, SEED_MAX } from '../model/seed-fold.js';
import { UsageError } from './context.js';
import { goParseInt64 } from './go-parse-int.js';

/** A server seed as the user gave it, and the 31-bit seed the random source starts from. */
export interface ServerSeed {
  readonly given: string;
  readonly seed: number;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * `--seed` (or FAULTLINE_SEED, named by `source`) as toxiproxy-server's `-seed` takes it: any
 * int64 as Go's flag.Int64 reads it (goParseInt64: 0x2a, 0o52, 052, 1_000 and a sign too), folded
 * into 31 bits by foldSeed as createEngine folds it. A value Go refuses is refused in its flag
 * package's words, then what it takes.
 */
export function parseServerSeed(value: string, source: '-seed' | 'FAULTLINE_SEED' = '-seed'): ServerSeed {
  const number = goParseInt64(value);
  if (typeof number === 'bigint') return { given: String(number), seed: foldSeed(number) };
  const what = source === '-seed' ? 'flag -seed' : 'FAULTLINE_SEED';
  throw new UsageError(
    `invalid value ${JSON.stringify(value)} for ${what}: ${number}\n` +
      `-seed (--seed) takes a whole number from ${INT64_MIN} to ${INT64_MAX}, as toxiproxy-server reads it (Go's strconv.ParseInt): 42, -7, 0x2a, 0o52, 0b101010, 052 (a leading 0 is octal), 1_000_000` +
      (source === 'FAULTLINE_SEED' ? '; unset FAULTLINE_SEED for a random seed' : '') +
      '\n(run "faultline server --help" for usage)',
  );
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
