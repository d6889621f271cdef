import type { Json } from '../model/experiment.js';
import { pyStringRepr } from '../model/python-string-repr.js';

/**
 * Chaos Toolkit is Python, and its semantics leak Python: substituted values are rendered with
 * str(), tolerances compare with ==, and ranges use Python ordering. These helpers reproduce
 * exactly that, so an experiment behaves the same under faultline.
 */
export function pyStr(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  // JSON cannot tell 1.0 from 1, so whole numbers print as Python ints do.
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : pyFloat(value);
  if (typeof value === 'string') return value;
  return pyRepr(value);
}

function pyRepr(value: unknown): string {
  if (typeof value === 'string') return pyStringRepr(value);
  if (Array.isArray(value)) return `[${value.map(pyRepr).join(', ')}]`;
  if (typeof value === 'object' && value !== null) {
    return `{${Object.entries(value)
      .map(([key, item]) => `${pyRepr(key)}: ${pyRepr(item)}`)
      .join(', ')}}`;
  }
  return pyStr(value);
}

/** Python's str() (repr) of a float: 1 prints as 1.0, 1e-05 and 1e+16 in exponent form. */
export function pyFloat(value: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
  if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0';
  const [digits, power] = value.toExponential().split('e') as [string, string];
  const exponent = Number(power);
  if (exponent < -4 || exponent >= 16) {
    return `${digits}e${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`;
  }
  const text = String(value);
  return text.includes('.') ? text : `${text}.0`;
}

/** Python's bool(): None, False, 0, "", [] and {} are false; anything else (NaN too) is true. */
export function pyTruthy(value: unknown): boolean {
  if (value === null || value === undefined) return false;
  if (typeof value === 'number') return value !== 0;
  if (typeof value === 'string' || Array.isArray(value)) return value.length > 0;
  if (isPlainObject(value)) return Object.keys(value).length > 0;
  return Boolean(value);
}

/** Python ==: True == 1, 1 == 1.0, deep equality for lists and dicts; undefined is None too. */
export function pyEquals(a: unknown, b: unknown): boolean {
  const scalar = (value: unknown) => (typeof value === 'boolean' ? Number(value) : (value ?? null));
  if (Array.isArray(a) || Array.isArray(b)) {
    return (
      Array.isArray(a) &&
      Array.isArray(b) &&
      a.length === b.length &&
      a.every((item, i) => pyEquals(item, b[i]))
    );
  }
  if (isPlainObject(a) || isPlainObject(b)) {
    if (!isPlainObject(a) || !isPlainObject(b)) return false;
    const keys = Object.keys(a);
    return (
      keys.length === Object.keys(b).length &&
      keys.every((key) => Object.hasOwn(b, key) && pyEquals(a[key], b[key]))
    );
  }
  return scalar(a) === scalar(b);
}

/**
 * Python's <=: numbers (and booleans) with numbers, strings with strings, lists item by item
 * (the first unequal pair decides, else the shorter list is smaller); anything else is a TypeError.
 */
export function pyLessOrEqual(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) {
    const differs = a.findIndex((item, i) => i >= b.length || !pyEquals(item, b[i]));
    if (differs === -1 || differs >= b.length) return a.length <= b.length;
    return pyLessOrEqual(a[differs], b[differs]);
  }
  const numeric = (value: unknown) => typeof value === 'number' || typeof value === 'boolean';
  if (numeric(a) && numeric(b)) return Number(a) <= Number(b);
  if (typeof a === 'string' && typeof b === 'string') return a <= b;
  throw new TypeError(`'<=' not supported between instances of '${pyType(a)}' and '${pyType(b)}'`);
}

export function pyType(value: unknown): string {
  if (value === null || value === undefined) return 'NoneType';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float';
  if (typeof value === 'string') return 'str';
  return Array.isArray(value) ? 'list' : 'dict';
}

function isPlainObject(value: unknown): value is Record<string, Json> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
