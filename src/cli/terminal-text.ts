/**
 * Text from a server (names, attributes, error messages, events) is printed through these, so a
 * name such as "\u001b]0;owned\u0007" shows as its escape and cannot drive the terminal or fake
 * a line of output. C0 controls, DEL, C1 controls and the bidirectional overrides are escaped.
 */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const unsafe = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
// eslint-disable-next-line no-control-regex -- as above
const unsafeExceptLineBreaks = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
const beyondJson = /[\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

const escape = (character: string) => {
  const code = character.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16)}`;
};

/** One field of output: every control character, tab and newline included, becomes visible. */
export function safe(value: unknown): string {
  return String(value).replace(unsafe, escape);
}

/** A message of several lines (our own errors may have some): only the line breaks survive. */
export function safeLines(text: string): string {
  return text.replace(unsafeExceptLineBreaks, escape);
}

/** JSON output: JSON.stringify escapes C0 controls; DEL, C1 and bidi overrides get \u escapes too. */
export function safeJson(value: unknown, indent = 2): string {
  return JSON.stringify(value, null, indent).replace(
    beyondJson,
    (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** Whether any string in `value` holds a character that `safe` would escape. */
export function holdsUnsafeText(value: unknown): boolean {
  if (typeof value === 'string') return new RegExp(unsafe.source).test(value);
  if (Array.isArray(value)) return value.some(holdsUnsafeText);
  if (value && typeof value === 'object')
    return Object.entries(value).some(([key, item]) => holdsUnsafeText(key) || holdsUnsafeText(item));
  return false;
}
