const DIGITS = '\\d(?:_?\\d)*';
const PYTHON_FLOAT = new RegExp(
  `^[+-]?(?:(?:${DIGITS}(?:\\.(?:${DIGITS})?)?|\\.${DIGITS})(?:e[+-]?${DIGITS})?|inf(?:inity)?|nan)$`,
  'i',
);

/**
 * Python's float() of a text, as click's `type=float` reads an option: blanks around it, `_`
 * between digits, `1e3`, `.5`, `inf`, `nan`; undefined for what float() refuses (`0x10`, `1_`, ``).
 */
export function parsePythonFloat(text: string): number | undefined {
  const trimmed = text.trim();
  if (!PYTHON_FLOAT.test(trimmed)) return undefined;
  const negative = trimmed.startsWith('-');
  const unsigned = trimmed.replace(/^[+-]/, '').toLowerCase();
  if (unsigned.startsWith('inf')) return negative ? -Infinity : Infinity;
  if (unsigned === 'nan') return NaN;
  return Number(trimmed.replace(/_/g, ''));
}
