import type { RandomSource } from '../../model/random.js';
import { PER_MILLION } from '../../model/toxics/corrupt.js';
import type { ToxicImplementation } from '../toxic-behaviour.js';

/**
 * Flips one random bit in each byte it picks; each byte is picked with `probability`. The gap to
 * the next picked byte is drawn from the geometric distribution, so the work is per flip, not
 * per byte, and the bytes picked do not depend on how the stream was cut into pieces: the same
 * seed and the same bytes give the same corruption. Returns how many bytes it changed.
 */
export function createBitFlipper(random: RandomSource): (data: Buffer, probability: number) => number {
  // A probability of 0 never reaches the draw, so the first call always draws a gap.
  let gap = 0;
  let gapProbability = 0;
  const drawGap = (probability: number) =>
    probability >= 1 ? 0 : Math.floor(Math.log1p(-random.next()) / Math.log1p(-probability));
  return (data, probability) => {
    if (probability <= 0) return 0;
    if (gapProbability !== probability) {
      gap = drawGap(probability);
      gapProbability = probability;
    }
    let flipped = 0;
    let index = gap;
    while (index < data.length) {
      data[index] = (data[index] ?? 0) ^ (1 << random.int(0, 7));
      flipped += 1;
      index += 1 + drawGap(probability);
    }
    gap = index - data.length;
    return flipped;
  };
}

/** Corrupts passing bytes in place: the chain owns the copy it made when it read them. */
export const corrupt: ToxicImplementation = {
  create: (context) => {
    const flip = createBitFlipper(context.random);
    return {
      chunk(chunk) {
        if (flip(chunk.data, (context.attributes.probability ?? 0) / PER_MILLION) > 0)
          context.acted('corrupt');
        context.push(chunk);
      },
    };
  },
};
