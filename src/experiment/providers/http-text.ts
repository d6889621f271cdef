/**
 * An HTTP answer's body as text, as requests' `r.text` (which chaoslib returns as `body`) reads
 * it: in the charset the Content-Type declares (quotes stripped, any case), each byte that is not
 * of it replaced by U+FFFD; a charset Python does not know falls back to UTF-8. Text without a
 * charset is ISO-8859-1 to requests: bytes that are not UTF-8 are read so (`caf\xe9` is `café`),
 * while a body that is valid UTF-8 stays UTF-8, where requests would turn `é` into `Ã©`. Any
 * other body without a charset, which requests decodes in the charset charset_normalizer
 * guesses, is UTF-8, as process output is.
 */
export function bodyText(bytes: Buffer, contentType: string | undefined): string {
  const charset = charsetOf(contentType ?? '');
  if (charset !== undefined) return decodeAs(charset, bytes);
  if ((contentType ?? '').includes('text') && !isUtf8(bytes)) return bytes.toString('latin1');
  return bytes.toString('utf8');
}

/** requests' get_encoding_from_headers: the `charset` parameter, its quotes stripped. */
function charsetOf(contentType: string): string | undefined {
  for (const parameter of contentType.split(';').slice(1)) {
    const [name, ...value] = parameter.split('=');
    if (name?.trim().toLowerCase() === 'charset' && value.length > 0)
      return value
        .join('=')
        .trim()
        .replace(/^["']+|["']+$/g, '');
  }
  return undefined;
}

/** Python's latin-1 is every byte as the code point of that number, not WHATWG's windows-1252. */
const LATIN_1 = new Set([
  'iso-8859-1',
  'iso8859-1',
  'iso-8859_1',
  'latin-1',
  'latin1',
  'latin',
  'l1',
  'cp819',
  '8859',
]);
const WINDOWS_1252 = new Set(['windows-1252', 'cp1252', 'x-cp1252']);
/** Python's cp1252 for 0x80-0x9f; the five bytes it leaves undefined are replaced. */
const CP1252_HIGH = [
  ...'\u20ac\ufffd\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\ufffd\u017d\ufffd\ufffd\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\ufffd\u017e\u0178',
];
const ASCII = new Set(['ascii', 'us-ascii', '646', 'us']);

function decodeAs(charset: string, bytes: Buffer): string {
  const label = charset.toLowerCase().replace(/_/g, '-');
  if (LATIN_1.has(label)) return bytes.toString('latin1');
  // Node 20's TextDecoder reads windows-1252 as latin-1, so its 0x80-0x9f are mapped here.
  if (WINDOWS_1252.has(label))
    return Array.from(bytes, (byte) =>
      byte >= 0x80 && byte < 0xa0 ? CP1252_HIGH[byte - 0x80]! : String.fromCharCode(byte),
    ).join('');
  // WHATWG reads "ascii" as windows-1252; Python's ascii codec replaces every byte above 0x7f.
  if (ASCII.has(label))
    return Array.from(bytes, (byte) => (byte < 0x80 ? String.fromCharCode(byte) : '\ufffd')).join('');
  try {
    return new TextDecoder(label).decode(bytes);
  } catch {
    return bytes.toString('utf8'); // requests: str(content, errors="replace") on LookupError
  }
}

function isUtf8(bytes: Buffer): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}
