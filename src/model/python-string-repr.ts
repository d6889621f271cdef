/**
 * Python's repr() of a str: single quotes, or double quotes when the text holds a ' and no ";
 * backslash, that quote, newline, carriage return, tab and other control characters escaped.
 */
export function pyStringRepr(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  const named: Record<string, string> = {
    '\\': '\\\\',
    '\n': '\\n',
    '\r': '\\r',
    '\t': '\\t',
    [quote]: `\\${quote}`,
  };
  const escaped = [...text]
    .map((char) => {
      if (named[char] !== undefined) return named[char];
      const code = char.codePointAt(0)!;
      return code < 0x20 || (code >= 0x7f && code < 0xa0) ? `\\x${code.toString(16).padStart(2, '0')}` : char;
    })
    .join('');
  return `${quote}${escaped}${quote}`;
}
