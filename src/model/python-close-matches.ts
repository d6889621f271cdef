/**
 * Python's `difflib.get_close_matches(word, possibilities, n=3, cutoff=0.6)`, which click uses
 * to suggest an option for an unknown one: the possibilities whose `SequenceMatcher` ratio to
 * `word` is at least `cutoff`, best first (a tie goes to the greater string, as Python's heapq
 * orders `(score, text)` tuples). Only for short texts: Python's "popular element" heuristic
 * (`autojunk`, for texts of 200 characters and more) is not reproduced.
 */
export function closeMatches(word: string, possibilities: readonly string[], n = 3, cutoff = 0.6): string[] {
  const scored: Array<{ score: number; text: string }> = [];
  for (const text of possibilities) {
    const score = sequenceRatio(text, word);
    if (score >= cutoff) scored.push({ score, text });
  }
  scored.sort((x, y) => y.score - x.score || (x.text < y.text ? 1 : x.text > y.text ? -1 : 0));
  return scored.slice(0, n).map((each) => each.text);
}

/** `SequenceMatcher(None, a, b).ratio()`: twice the matched characters over both lengths. */
export function sequenceRatio(a: string, b: string): number {
  const total = a.length + b.length;
  return total === 0 ? 1 : (2 * matchedCharacters(a, b)) / total;
}

/** The sum of get_matching_blocks()'s sizes: the longest match, then the same on each side of it. */
function matchedCharacters(a: string, b: string): number {
  const positions = new Map<string, number[]>();
  for (let j = 0; j < b.length; j++) {
    const list = positions.get(b[j]!) ?? [];
    list.push(j);
    positions.set(b[j]!, list);
  }
  let matched = 0;
  const queue: Array<[number, number, number, number]> = [[0, a.length, 0, b.length]];
  while (queue.length > 0) {
    const [alo, ahi, blo, bhi] = queue.pop()!;
    const [i, j, size] = longestMatch(a, positions, alo, ahi, blo, bhi);
    if (size === 0) continue;
    matched += size;
    if (alo < i && blo < j) queue.push([alo, i, blo, j]);
    if (i + size < ahi && j + size < bhi) queue.push([i + size, ahi, j + size, bhi]);
  }
  return matched;
}

/**
 * find_longest_match: the longest common run of a[alo:ahi] and b[blo:bhi], the earliest in `a`
 * (then in `b`) of the longest, as Python's dynamic programme finds it.
 */
function longestMatch(
  a: string,
  positions: Map<string, number[]>,
  alo: number,
  ahi: number,
  blo: number,
  bhi: number,
): [number, number, number] {
  let best: [number, number, number] = [alo, blo, 0];
  let lengths = new Map<number, number>();
  for (let i = alo; i < ahi; i++) {
    const next = new Map<number, number>();
    for (const j of positions.get(a[i]!) ?? []) {
      if (j < blo) continue;
      if (j >= bhi) break;
      const size = (lengths.get(j - 1) ?? 0) + 1;
      next.set(j, size);
      if (size > best[2]) best = [i - size + 1, j - size + 1, size];
    }
    lengths = next;
  }
  return best;
}
