import { describeValue } from '../errors.js';
import type { AttributeSpec, AttributeValue, JsonValue } from './definition.js';

/** Why a value does not fit its attribute, as the hint of a 400; undefined when it fits. */
export function attributeProblem(spec: AttributeSpec, value: unknown): string | undefined {
  const received = `received ${describeValue(value)}`;
  switch (spec.kind) {
    case undefined:
    case 'integer': {
      const fits =
        typeof value === 'number' && Number.isSafeInteger(value) && value >= spec.min && value <= spec.max;
      return fits
        ? undefined
        : `${received}; expected ${expectedValue(spec)} (${spec.description})${spec.unit === 'ppm' ? asPartsPerMillion(value) : ''}`;
    }
    case 'choice':
      return typeof value === 'string' && spec.choices.includes(value)
        ? undefined
        : `${received}; expected ${expectedValue(spec)} (${spec.description})`;
    case 'text':
      return typeof value === 'string' && value.length <= spec.maxLength
        ? undefined
        : `${received}; expected ${expectedValue(spec)} (${spec.description})`;
    case 'json': {
      const problem = isJson(value) ? spec.check(value) : 'it is not a JSON value';
      return problem === undefined ? undefined : `${received}; expected ${expectedValue(spec)}: ${problem}`;
    }
  }
}

/**
 * A chance written as tc writes it (`"25%"`) or as a fraction, as toxicity is (`0.25`), in the
 * parts per million the attribute takes: `; 25% is 250000`. Nothing for anything else.
 */
function asPartsPerMillion(value: unknown): string {
  const percent = typeof value === 'string' ? /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(value)?.[1] : undefined;
  const perMillion =
    percent !== undefined ? Number(percent) * 10_000 : typeof value === 'number' ? value * 1_000_000 : NaN;
  if (!(perMillion > 0 && perMillion <= 1_000_000)) return '';
  return `; ${percent === undefined ? `as a fraction, ${String(value)}` : `${percent}%`} is ${Math.round(perMillion)} ppm`;
}

/** What an attribute takes, as the words after "expected" in its errors. */
export function expectedValue(spec: AttributeSpec): string {
  if (isIntegerSpec(spec)) return `a whole number of ${spec.unit} from ${spec.min} to ${spec.max}`;
  if (spec.kind === 'choice')
    return `one of ${spec.choices.map((choice) => JSON.stringify(choice)).join(', ')}`;
  return spec.kind === 'text' ? `a string of at most ${spec.maxLength} characters` : spec.accepts;
}

export function isIntegerSpec(spec: AttributeSpec): spec is Extract<AttributeSpec, { unit: string }> {
  return spec.kind === undefined || spec.kind === 'integer';
}

function isJson(value: unknown): value is JsonValue {
  if (value === null || ['string', 'boolean'].includes(typeof value)) return true;
  if (typeof value === 'number') return Number.isFinite(value);
  // An array's values are its items.
  return typeof value === 'object' && Object.values(value as object).every(isJson);
}

/** An object whose values are all strings (header maps). */
export function stringMapProblem(value: JsonValue, allowNull = false): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'it is not an object';
  const named = new Map<string, string>();
  for (const [name, item] of Object.entries(value)) {
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) return `${JSON.stringify(name)} is not a header name`;
    const before = named.get(name.toLowerCase());
    if (before !== undefined)
      return `${JSON.stringify(before)} and ${JSON.stringify(name)} name one header (names are one in any letter case): give it once`;
    named.set(name.toLowerCase(), name);
    if (typeof item === 'string' && /[\r\n\0]/.test(item)) {
      return `the value of ${JSON.stringify(name)} holds a line break or NUL, which no header may`;
    }
    if (typeof item === 'string') continue;
    if (item === null && allowNull) continue;
    return `the value of ${JSON.stringify(name)} is ${describeValue(item)}, not a string${allowNull ? ' or null' : ''}`;
  }
  return undefined;
}

export function copyValue(value: AttributeValue): AttributeValue {
  return structuredClone(value);
}
