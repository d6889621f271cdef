/** The largest seed the random source reads as is: it keeps 31 bits. */
export const SEED_MAX = 2 ** 31 - 1;

/**
 * The 31-bit seed the random source starts from. Seeds from 0 to 2^31-1 are used as they are, so
 * earlier runs replay unchanged; any other whole number (an int64 such as Toxiproxy's -seed) is
 * folded into that range, the same way every time, instead of being cut to its low 32 bits (which
 * made 2 ** 32 replay seed 0). The CLI's --seed, startServer and createEngine all fold with this.
 */
export function foldSeed(seed: number | bigint): number {
  if (typeof seed === 'number' && !Number.isSafeInteger(seed)) {
    throw new RangeError(
      `seed must be a whole number from ${Number.MIN_SAFE_INTEGER} to ${Number.MAX_SAFE_INTEGER}, received ${String(seed)}; give an integer such as 42`,
    );
  }
  const value = BigInt(seed);
  if (value >= 0n && value <= BigInt(SEED_MAX)) return Number(value);
  return Number(mix64(BigInt.asUintN(64, value)) & BigInt(SEED_MAX));
}

/** SplitMix64's finaliser: nearby seeds (1e18, 1e18 + 1, -1) land far apart. */
function mix64(value: bigint): bigint {
  let z = value;
  z = BigInt.asUintN(64, (z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n);
  z = BigInt.asUintN(64, (z ^ (z >> 27n)) * 0x94d049bb133111ebn);
  return z ^ (z >> 31n);
}
