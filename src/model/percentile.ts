/** The nearest-rank percentile `p` (0-100) of ascending values; undefined when there are none. */
export function percentile(sorted: readonly number[], p: number): number | undefined {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];
}
