/**
 * The texts of a server's `Warning` headers (RFC 7234: `299 AGENT "TEXT"`, TEXT a quoted string);
 * a value in another shape is given whole.
 */
export function serverWarnings(values: readonly string[]): string[] {
  return values.map((value) => {
    const quoted = /^\d{3} \S+ ("(?:[^"\\]|\\.)*")/.exec(value)?.[1];
    if (quoted === undefined) return value;
    try {
      return JSON.parse(quoted) as string;
    } catch {
      return quoted.slice(1, -1);
    }
  });
}
