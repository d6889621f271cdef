import type { RandomSource } from '../../model/random.js';

/**
 * A yes/no decision with probability `p` whose outcomes cluster with correlation `c` (both 0..1):
 * after a yes the chance is p + c(1 - p), after a no p(1 - c). The long-run rate stays p and runs
 * of yes average 1 / (1 - p - c(1 - p)). netem mixes uniform draws instead
 * (next = c · last + (1 - c) · fresh), which narrows their spread and so lowers the rate of any
 * p below 50% (its man page calls that correlation deprecated for this "bad behavior").
 */
export function createCorrelatedChance(random: RandomSource): (p: number, c: number) => boolean {
  let last = false;
  return (p, c) => {
    const chance = c === 0 ? p : last ? p + c * (1 - p) : p * (1 - c);
    last = random.next() < chance;
    return last;
  };
}

/**
 * netem's correlated uniform value for delays: next = c · last + (1 - c) · fresh, in [0, 1).
 * Successive delays follow each other; with c = 0 each is independent.
 */
export function createCorrelatedUniform(random: RandomSource): (c: number) => number {
  let last: number | undefined;
  return (c) => {
    const fresh = random.next();
    last = last === undefined || c === 0 ? fresh : c * last + (1 - c) * fresh;
    return last;
  };
}
