import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { foldSeed } from './seed-fold.js';

type RandomGenerator = ReturnType<typeof xoroshiro128plus>;

/**
 * A seeded source of randomness. Toxics never call Math.random: each one gets a source forked
 * from the server seed by a stable label (proxy, connection number, stream, toxic), so the same
 * seed and the same traffic make the same decisions, whatever order connections interleave in.
 */
export interface RandomSource {
  readonly seed: number;
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [min, max], both inclusive. */
  int(min: number, max: number): number;
  /** An independent source whose sequence depends only on this seed and the label. */
  fork(label: string): RandomSource;
}

/** `seed` is any safe integer; one outside 0 to 2^31-1 is folded into that range (`.seed` says). */
export function createRandom(seed: number): RandomSource {
  return new SeededRandom(foldSeed(seed));
}

/**
 * The generator starts at the first draw: a proxy, a connection and a stage each fork a source,
 * and most never draw (a proxy without toxics, a toxic without jitter or toxicity below 1).
 */
class SeededRandom implements RandomSource {
  private generator: RandomGenerator | undefined;

  constructor(readonly seed: number) {}

  next(): number {
    return uniformFloat64(this.started());
  }

  int(min: number, max: number): number {
    return uniformInt(this.started(), min, max);
  }

  fork(label: string): RandomSource {
    return new SeededRandom(hashLabel(this.seed, label));
  }

  private started(): RandomGenerator {
    if (this.generator === undefined) {
      this.generator = xoroshiro128plus(this.seed | 0);
      // Seeded as is, the first output is ~seed: forks of similar labels would decide in step.
      this.generator.jump();
    }
    return this.generator;
  }
}

export function randomSeed(): number {
  return Math.floor(Math.random() * 0x7fffffff);
}

/** FNV-1a over the seed and the label, folded to 31 bits. */
function hashLabel(seed: number, label: string): number {
  let hash = 0x811c9dc5 ^ seed;
  for (let i = 0; i < label.length; i++) {
    hash ^= label.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash & 0x7fffffff;
}
