/**
 * The nearest-rank percentile `p` (0-100) of ascending values: the smallest value that at least
 * p% of them are at or below (the rank is p% of the count, rounded up), so the p99 of 100
 * values is the 99th, not the largest. Undefined when there are none.
 */
export function percentile(sorted: readonly number[], p: number): number | undefined {
  const rank = Math.ceil((sorted.length * p) / 100);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}
