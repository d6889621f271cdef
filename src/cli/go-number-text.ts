/**
 * Numbers as toxiproxy-cli's `inspect` prints them when piped, so scripts that read its lines read
 * faultline's: Go formats toxicity, a float32, with `%.2f`, and attribute values, float64s, with
 * `%v`.
 */

/** Go's `%.2f` of the float32 nearest `value`: the exact value rounded, halves to the even digit. */
export function float32Fixed2(value: number): string {
  const single = Math.fround(value);
  if (!Number.isFinite(single)) return single.toFixed(2);
  const view = new DataView(new ArrayBuffer(4));
  view.setFloat32(0, Math.abs(single));
  const bits = view.getUint32(0);
  const biased = (bits >>> 23) & 0xff;
  const significand = BigInt(biased === 0 ? bits & 0x7fffff : (bits & 0x7fffff) | 0x800000);
  const exponent = (biased === 0 ? 1 : biased) - 150;
  const scaled = significand * 100n;
  let hundredths = scaled;
  if (exponent >= 0) hundredths = scaled << BigInt(exponent);
  else {
    const divisor = 1n << BigInt(-exponent);
    hundredths = scaled / divisor;
    const twiceRemainder = (scaled % divisor) * 2n;
    if (twiceRemainder > divisor || (twiceRemainder === divisor && hundredths % 2n === 1n)) hundredths += 1n;
  }
  const digits = hundredths.toString().padStart(3, '0');
  const sign = single < 0 || Object.is(single, -0) ? '-' : '';
  return `${sign}${digits.slice(0, -2)}.${digits.slice(-2)}`;
}

/** Go's `%v` of a float64: the shortest digits, in exponent form from 1e+06 up and below 1e-04. */
export function float64Default(value: number): string {
  if (!Number.isFinite(value)) return Number.isNaN(value) ? 'NaN' : value > 0 ? '+Inf' : '-Inf';
  if (value === 0) return Object.is(value, -0) ? '-0' : '0';
  const [mantissa, exponentText] = value.toExponential().split('e') as [string, string];
  const exponent = Number(exponentText);
  if (exponent >= -4 && exponent < 6) return String(value);
  const magnitude = String(Math.abs(exponent)).padStart(2, '0');
  return `${mantissa}e${exponent < 0 ? '-' : '+'}${magnitude}`;
}
