import type { Json } from '../model/experiment.js';
import { pyStr } from './python-values.js';

export type Scope = Record<string, unknown>;

const WHOLE = /^\$\{([_a-zA-Z][_a-zA-Z0-9]*)\}$/;
const ANY = /\$(?:(\$)|([_a-zA-Z][_a-zA-Z0-9]*)|\{([_a-zA-Z][_a-zA-Z0-9]*)\})/g;

/**
 * Python's string.Template.safe_substitute, as Chaos Toolkit uses it: `${name}` and `$name`
 * are replaced, `$$` becomes `$`, unknown names stay as written. A string that is exactly
 * `${name}` becomes the raw value (number, object...); embedded values are rendered with str().
 */
export function substitute<T extends Json | undefined>(value: T, scope: Scope): T {
  if (typeof value === 'string') return substituteString(value, scope) as T;
  if (Array.isArray(value)) return value.map((item) => substitute(item, scope)) as T;
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, substitute(item, scope)]),
    ) as T;
  }
  return value;
}

/**
 * For a process activity's string `arguments`, which run through /bin/sh: every substituted
 * value is single-quoted, so a value loaded at run time (`$(id)`, `; rm ...`) stays one
 * literal word instead of shell code.
 */
export function substituteForShell(text: string, scope: Scope): string {
  return text.replace(
    ANY,
    (match, dollar: string | undefined, bare: string | undefined, braced: string | undefined) => {
      if (dollar) return '$';
      const name = (bare ?? braced)!;
      return Object.hasOwn(scope, name) ? shellQuote(pyStr(scope[name])) : match;
    },
  );
}

export function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** Whether a string holds a `$name` or `${name}` that substitution would replace. */
export function hasPlaceholder(text: string): boolean {
  return [...text.matchAll(ANY)].some((match) => match[1] === undefined);
}

/** The names `$name` and `${name}` refer to in `text` (`$$` aside), in order. */
export function placeholderNames(text: string): string[] {
  return [...text.matchAll(ANY)].flatMap((match) => (match[1] === undefined ? [match[2] ?? match[3]!] : []));
}

function substituteString(text: string, scope: Scope): unknown {
  const whole = WHOLE.exec(text);
  if (whole && Object.hasOwn(scope, whole[1]!)) return scope[whole[1]!];
  return text.replace(
    ANY,
    (match, dollar: string | undefined, bare: string | undefined, braced: string | undefined) => {
      if (dollar) return '$';
      const name = (bare ?? braced)!;
      return Object.hasOwn(scope, name) ? pyStr(scope[name]) : match;
    },
  );
}

/** Configuration first, then each secret scope flattened in order (Python's ChainMap). */
export function scopeOf(
  configuration: Record<string, unknown>,
  secrets: Record<string, Record<string, unknown>>,
): Scope {
  const scope: Scope = {};
  for (const values of Object.values(secrets).reverse()) Object.assign(scope, values);
  return Object.assign(scope, configuration);
}
