/**
 * Chaos Toolkit's range tolerance is `Decimal(lo) <= Decimal(value) <= Decimal(hi)`: exact
 * arithmetic, so the text "0.1" is below the float bound 0.1 (which is 0.1000000000000000055...),
 * and Decimal's own reading of text (whitespace, `_`, `inf`, `nan`). Values are
 * compared here as exact fractions of big integers, as Decimal compares them.
 */

/** An exact value: numerator / denominator, the denominator above 0. */
interface Fraction {
  numerator: bigint;
  denominator: bigint;
}

/**
 * Finite magnitudes past any double (1.8e308) or below any non-zero one (4.9e-324) compare as these
 * do; infinity is past them all.
 */
const HUGE = 10n ** 400n;
const INFINITE = HUGE * 10n;

const DECIMAL_TEXT = /^([+-]?)(?:(\d*)(?:\.(\d*))?(?:e([+-]?\d+))?|(inf|infinity)|(s?nan)\d*)$/i;

/**
 * Whether low <= value <= high as Python's Decimal decides it; false for text Decimal cannot read
 * (InvalidOperation), a TypeError for NaN (the value or a bound), which Decimal refuses to order.
 */
export function decimalWithin(value: string | number | boolean, low: number, high: number): boolean {
  for (const [bound, which] of [
    [low, 'lower'],
    [high, 'upper'],
  ] as const)
    if (Number.isNaN(bound)) throw new TypeError(`range tolerance cannot order NaN (its ${which} bound)`);
  const exact = typeof value === 'string' ? fromText(value) : fromNumber(Number(value));
  if (exact === undefined) return false;
  if (exact === 'nan' || Number.isNaN(value))
    throw new TypeError(
      `range tolerance cannot order NaN (${typeof value === 'string' ? JSON.stringify(value) : 'NaN'})`,
    );
  return atMost(fromNumber(low), exact) && atMost(exact, fromNumber(high));
}

function fromText(text: string): Fraction | 'nan' | undefined {
  // Decimal strips the text and drops every underscore before reading it ('_1' is 1).
  const match = DECIMAL_TEXT.exec(text.trim().replaceAll('_', ''));
  if (!match) return undefined;
  const [, sign, whole, fraction = '', exponent, infinite, nan] = match;
  if (nan) return 'nan';
  const negative = sign === '-';
  if (infinite) return { numerator: negative ? -INFINITE : INFINITE, denominator: 1n };
  const digits = whole! + fraction;
  if (digits === '') return undefined;
  const scale = Number(exponent ?? 0) - fraction.length;
  const magnitude = BigInt(digits);
  const numerator = negative ? -magnitude : magnitude;
  if (magnitude === 0n) return { numerator: 0n, denominator: 1n };
  const size = digits.replace(/^0+/, '').length + scale;
  if (size > 400) return { numerator: negative ? -HUGE : HUGE, denominator: 1n };
  if (size < -400) return { numerator: negative ? -1n : 1n, denominator: HUGE };
  return {
    numerator: numerator * 10n ** BigInt(Math.max(scale, 0)),
    denominator: 10n ** BigInt(Math.max(-scale, 0)),
  };
}

/** A double's exact value (Decimal(0.1) is 0.1000000000000000055511151231257827...). */
function fromNumber(value: number): Fraction {
  if (!Number.isFinite(value)) return { numerator: value > 0 ? INFINITE : -INFINITE, denominator: 1n };
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, value);
  const bits = view.getBigUint64(0);
  const negative = bits >> 63n === 1n;
  const biased = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & 0xfffffffffffffn;
  const mantissa = biased === 0 ? fraction : fraction | (1n << 52n);
  const power = (biased === 0 ? 1 : biased) - 1075;
  const numerator = negative ? -mantissa : mantissa;
  return {
    numerator: numerator << BigInt(Math.max(power, 0)),
    denominator: 1n << BigInt(Math.max(-power, 0)),
  };
}

function atMost(a: Fraction, b: Fraction): boolean {
  return a.numerator * b.denominator <= b.numerator * a.denominator;
}
