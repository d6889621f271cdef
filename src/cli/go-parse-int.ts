const UINT64_MAX = 2n ** 64n - 1n;

/**
 * Go's strconv.ParseInt(s, 0, 64), which flag.Int64 uses for toxiproxy-server's -seed: an
 * optional sign, then a base prefix (0x, 0o, 0b in either case, or a lone leading 0 for octal;
 * decimal otherwise), digits of that base, and underscores between digits (or after a prefix), as
 * Go integer literals take them. No spaces. Returns the number, or why Go refuses it, in the words
 * of Go's flag package: "parse error" or "value out of range".
 */
export function goParseInt64(text: string): bigint | 'parse error' | 'value out of range' {
  const sign = text[0] === '-' || text[0] === '+' ? text[0] : '';
  const unsigned = text.slice(sign.length);
  if (unsigned === '') return 'parse error';
  const { base, digits } = basePrefix(unsigned);
  let value = 0n;
  for (const char of digits) {
    if (char === '_') continue;
    const digit = Number.parseInt(char, 36);
    if (Number.isNaN(digit) || digit >= base) return 'parse error';
    value = value * BigInt(base) + BigInt(digit);
    // Go's ParseUint stops at the digit that overflows 64 bits, before reading the rest.
    if (value > UINT64_MAX) return 'value out of range';
  }
  if (!underscoresPlaced(unsigned)) return 'parse error';
  const signed = sign === '-' ? -value : value;
  return signed < -(2n ** 63n) || signed > 2n ** 63n - 1n ? 'value out of range' : signed;
}

/** The base and the digits after its prefix; "0x" alone is the octal 0 followed by an x: refused. */
function basePrefix(text: string): { base: number; digits: string } {
  if (text[0] !== '0' || text.length < 2) return { base: 10, digits: text };
  const letter = text[1]!.toLowerCase();
  const prefixed = text.length >= 3 ? { b: 2, o: 8, x: 16 }[letter] : undefined;
  return prefixed === undefined
    ? { base: 8, digits: text.slice(1) }
    : { base: prefixed, digits: text.slice(2) };
}

/**
 * Go's underscoreOK: an underscore only between two digits, or between a 0b/0o/0x prefix and a
 * digit; the lone 0 of an octal number is a digit, so "0_7" is 7.
 */
function underscoresPlaced(text: string): boolean {
  const prefixed = /^0[bBoOxX]/.test(text);
  let last = prefixed ? 'digit' : 'start';
  for (const char of prefixed ? text.slice(2) : text) {
    if (char === '_') {
      if (last !== 'digit') return false;
      last = '_';
    } else {
      // Any other character (a letter of no base) is refused by the digit check after.
      last = 'digit';
    }
  }
  return last !== '_';
}
