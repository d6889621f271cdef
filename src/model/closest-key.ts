/**
 * The known key within a third of the key's length in edits (at least 2), as commander suggests
 * flags, and, as commander also asks, keeping more than 40% of the longer of the two: two edits
 * that replace a short name ("r2" for "pp") make another name, not a typo of it.
 */
export function closest(key: string, known: readonly string[]): string | undefined {
  const limit = Math.max(2, Math.floor(key.length / 3));
  let best: { key: string; distance: number } | undefined;
  for (const candidate of known) {
    const distance = editDistance(key.toLowerCase(), candidate.toLowerCase());
    const longer = Math.max(key.length, candidate.length);
    const kept = (longer - distance) / longer > 0.4;
    if (distance <= limit && kept && (!best || distance < best.distance)) best = { key: candidate, distance };
  }
  return best?.key;
}

/** Damerau-Levenshtein (optimal string alignment): a swapped pair of letters is one edit. */
function editDistance(a: string, b: string): number {
  // Row 0 is j and column 0 is i; the cells inside are all written before they are read.
  const rows = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => i + j),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      // a[-1] and b[-1] are undefined, so a swap is never seen in the first row or column.
      if (a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        value = Math.min(value, rows[i - 2]![j - 2]! + 1);
      }
      rows[i]![j] = value;
    }
  }
  return rows[a.length]![b.length]!;
}

/** `did you mean "redis"? ` (with its trailing space) for a name one typo from a known one, else nothing. */
export function didYouMean(name: string, known: readonly string[]): string {
  const near = closest(name, known);
  return near === undefined ? '' : `did you mean ${JSON.stringify(near)}? `;
}
