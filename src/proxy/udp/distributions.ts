/**
 * The shapes netem's `distribution` offers for jitter, as functions from a uniform u in [0, 1) to
 * a multiple of the jitter. iproute2 ships them as tables of 4096 quantiles (normal.dist,
 * pareto.dist, paretonormal.dist, scaled by 8192 into 16-bit values, so within [-4, 4)); these
 * compute the same quantiles directly. test/udp-netem.test.ts compares them with those tables.
 */
export type JitterDistribution = 'uniform' | 'normal' | 'pareto' | 'paretonormal';

/** The range a netem table can hold: 16-bit values over a scale of 8192. */
const LOWEST = -4;
const HIGHEST = 32_767 / 8192;
const clip = (value: number) => Math.min(HIGHEST, Math.max(LOWEST, value));

/**
 * The standard normal quantile, by Acklam's rational approximation (relative error below
 * 1.2e-9), which is far finer than a 4096-entry table.
 */
export function normalQuantile(u: number): number {
  if (u <= 0) return Number.NEGATIVE_INFINITY;
  const low = 0.02425;
  if (u < low) {
    const q = Math.sqrt(-2 * Math.log(u));
    return tail(q);
  }
  if (u > 1 - low) return -tail(Math.sqrt(-2 * Math.log(1 - u)));
  const q = u - 0.5;
  const r = q * q;
  const numerator =
    ((((-39.69683028665376 * r + 220.9460984245205) * r - 275.9285104469687) * r + 138.357751867269) * r -
      30.66479806614716) *
      r +
    2.506628277459239;
  const denominator =
    ((((-54.47609879822406 * r + 161.5858368580409) * r - 155.6989798598866) * r + 66.80131188771972) * r -
      13.28068155288572) *
      r +
    1;
  return (numerator * q) / denominator;
}

function tail(q: number): number {
  const numerator =
    ((((-0.007784894002430293 * q - 0.3223964580411365) * q - 2.400758277161838) * q - 2.549732539343734) *
      q +
      4.374664141464968) *
      q +
    2.938163982698783;
  const denominator =
    (((0.007784695709041462 * q + 0.3224671290700398) * q + 2.445134137142996) * q + 3.754408661907416) * q +
    1;
  return numerator / denominator;
}

/** Pareto with shape 3 and scale 4/3, less its mean 2: from -2/3, a long tail upwards. */
function paretoQuantile(u: number): number {
  return (4 / 3) * Math.pow(1 - u, -1 / 3) - 2;
}

export const jitterShapes: Record<JitterDistribution, (u: number) => number> = {
  uniform: (u) => 2 * u - 1,
  normal: (u) => clip(normalQuantile(u)),
  pareto: (u) => clip(paretoQuantile(u)),
  // iproute2 blends the two tables entry by entry: a quarter normal, three quarters Pareto.
  paretonormal: (u) => clip(0.25 * clip(normalQuantile(u)) + 0.75 * clip(paretoQuantile(u))),
};
