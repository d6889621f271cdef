/**
 * The numbers toxiproxy-cli sends as numbers: what Go's strconv.ParseFloat reads in base 10, an
 * optional sign, digits, a fraction and an exponent. JavaScript's Number() also reads "0x10",
 * "0b11" and " 100", which toxiproxy-cli sends as text for the server to refuse.
 */
const decimal = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** The number `text` writes in decimal notation, or undefined when it is not one or is out of range. */
export function decimalNumber(text: string): number | undefined {
  if (!decimal.test(text)) return undefined;
  const number = Number(text);
  return Number.isFinite(number) ? number : undefined;
}
