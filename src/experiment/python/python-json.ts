/** What stands for a non-finite number while the line is parsed; no text the helper sends holds a NUL. */
const MARK = '\u0000faultline-number:';
const NON_FINITE: Record<string, number> = { NaN: Number.NaN, Infinity: Infinity, '-Infinity': -Infinity };

/**
 * JSON as Python's json.dumps writes it: standard JSON, plus the bare words NaN, Infinity and
 * -Infinity for float('nan') and float('inf'), which JSON.parse refuses. Those words, outside
 * strings, become the numbers they name.
 */
export function parsePythonJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const marked = markNonFinite(text);
    if (marked === text) throw error;
    return JSON.parse(marked, (_key, value: unknown) =>
      typeof value === 'string' && value.startsWith(MARK) ? NON_FINITE[value.slice(MARK.length)] : value,
    );
  }
}

function markNonFinite(text: string): string {
  let marked = '';
  let inString = false;
  for (let index = 0; index < text.length; index++) {
    const char = text[index]!;
    if (inString) {
      marked += char;
      if (char === '\\') marked += text[++index] ?? '';
      else if (char === '"') inString = false;
      continue;
    }
    if (char === '"') inString = true;
    const word = ['-Infinity', 'Infinity', 'NaN'].find((each) => text.startsWith(each, index));
    if (word === undefined) {
      marked += char;
      continue;
    }
    marked += JSON.stringify(`${MARK}${word}`);
    index += word.length - 1;
  }
  return marked;
}
