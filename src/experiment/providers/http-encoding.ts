import { isObject, type Json } from '../../model/experiment.js';
import { pyFloat, pyStr } from '../python-values.js';

/**
 * chaoslib hands http `arguments` to Python's requests: `params=` for GET, `data=` (a form) or
 * `json=` otherwise. These reproduce what requests puts on the wire, so a server sees the same
 * query, form or JSON text from faultline as from chaos run.
 */

/**
 * requests' form encoding of a mapping: a list value repeats its key (`a=1&a=2`), an object
 * value gives its keys, null items are left out, other values are Python's str() (`True`), and
 * every key and value is quoted as urllib's quote_plus does (space as `+`, `~` kept).
 */
export function requestsForm(args: Record<string, Json>): string {
  const pairs: string[] = [];
  for (const [key, value] of Object.entries(args)) {
    const items = typeof value === 'string' || !isIterable(value) ? [value] : itemsOf(value);
    for (const item of items) {
      if (item === null) continue;
      // urlencode(doseq=True) expands a sequence item once more, each element by its str().
      const values = typeof item === 'string' || !isIterable(item) ? [pyStr(item)] : itemsOf(item).map(pyStr);
      for (const text of values) pairs.push(`${quotePlus(key)}=${quotePlus(text)}`);
    }
  }
  return pairs.join('&');
}

function isIterable(value: Json): value is Json[] | { [key: string]: Json } {
  return Array.isArray(value) || isObject(value);
}

/** What Python iterates: a list's items, a dict's keys. */
function itemsOf(value: Json[] | { [key: string]: Json }): Json[] {
  return Array.isArray(value) ? value : Object.keys(value);
}

/** urllib.parse.quote_plus(text, safe=''): UTF-8, letters, digits and `_.-~` kept, space as `+`. */
export function quotePlus(text: string): string {
  return encodeURIComponent(text)
    .replace(/[!'()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
}

/**
 * Python's json.dumps(value) as requests sends a `json=` body: `, ` and `: ` separators,
 * non-ASCII (and DEL) escaped as `\uXXXX`, floats as Python's repr writes them.
 */
export function pythonJsonDumps(value: Json): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : pyFloat(value);
  if (typeof value === 'string') {
    return JSON.stringify(value).replace(
      /[\u007f-\uffff]/g,
      (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
    );
  }
  if (Array.isArray(value)) return `[${value.map(pythonJsonDumps).join(', ')}]`;
  return `{${Object.entries(value)
    .map(([key, item]) => `${pythonJsonDumps(key)}: ${pythonJsonDumps(item)}`)
    .join(', ')}}`;
}
