import { PER_MILLION } from '../../model/toxics/corrupt.js';
import type { ToxicImplementation } from '../toxic-behaviour.js';

/**
 * Flips one random bit in each byte it picks; each byte is picked with `probability` ppm. The gap
 * to the next picked byte is drawn from the geometric distribution, so the work is per flip, not
 * per byte, and the bytes picked do not depend on how the stream was cut into chunks: the same
 * seed and the same bytes give the same corruption.
 */
export const corrupt: ToxicImplementation = {
  create: (context) => {
    let gap: number | undefined;
    let gapProbability = 0;
    const drawGap = (probability: number) =>
      probability >= 1 ? 0 : Math.floor(Math.log1p(-context.random.next()) / Math.log1p(-probability));
    return {
      chunk(chunk) {
        const probability = (context.attributes.probability ?? 0) / PER_MILLION;
        if (probability <= 0) return context.push(chunk);
        if (gap === undefined || gapProbability !== probability) {
          gap = drawGap(probability);
          gapProbability = probability;
        }
        const data = chunk.data;
        let index = gap;
        if (index < data.length) context.acted('corrupt');
        while (index < data.length) {
          data[index] = (data[index] ?? 0) ^ (1 << context.random.int(0, 7));
          index += 1 + drawGap(probability);
        }
        gap = index - data.length;
        context.push(chunk);
      },
    };
  },
};
