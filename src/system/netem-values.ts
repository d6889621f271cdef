import { BadInput } from './bad-input.js';

/**
 * How netem's settings read their values, each error naming the flag and the experiment argument:
 * percentages as tc reads them, whole numbers, and times in one grammar for every time of `net
 * delay` (a bare number is milliseconds, as --ms; tc's own units otherwise).
 */

/** How an error names an argument: the CLI flag and the experiment argument. */
export function named(key: string): string {
  const flag = `--${key.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}`;
  return `${flag} ("${key}" in an experiment)`;
}

export function shown(value: unknown): string {
  return typeof value === 'string' ? `"${value}"` : JSON.stringify(value);
}

function asText(value: unknown): string {
  return typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : '';
}

/** A percentage as tc reads one: 0 to 100, with or without "%". */
export function percent(value: unknown, key: string): number {
  const match = /^(\d+(?:\.\d+)?|\.\d+)%?$/.exec(asText(value));
  const number = match ? Number(match[1]) : NaN;
  if (!Number.isFinite(number) || number > 100)
    throw new BadInput(
      `${named(key)} must be a percentage from 0 to 100 (such as 5 or 0.5%), not ${shown(value)}`,
    );
  return number;
}

/** A whole number from `min` to `max`; negative ones only where `min` is below 0. */
export function whole(value: unknown, key: string, min: number, max: number): number {
  const text = asText(value);
  const number = /^-?\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(number) || number < min || number > max)
    throw new BadInput(`${named(key)} must be a whole number from ${min} to ${max}, not ${shown(value)}`);
  return number;
}

const TIME_UNITS_US: Record<string, number> = {
  s: 1e6,
  sec: 1e6,
  secs: 1e6,
  ms: 1e3,
  msec: 1e3,
  msecs: 1e3,
  us: 1,
  usec: 1,
  usecs: 1,
};

export const TIME_RULE =
  'a bare number is milliseconds, not microseconds as tc reads one; or give a unit: us, ms or s, such as 10ms or 500us';

/** A time of `net delay`, whole microseconds from 1us to 60s: a bare number is milliseconds, else tc's units. */
export function time(value: unknown, key: string): number {
  const match = /^(\d+(?:\.\d+)?|\.\d+)([a-z]*)$/i.exec(asText(value));
  const unit = match ? (match[2] === '' ? 1e3 : TIME_UNITS_US[match[2]!.toLowerCase()]) : undefined;
  const us = unit === undefined ? NaN : Math.round(Number(match![1]) * unit * 1000) / 1000;
  if (!Number.isInteger(us) || us < 1 || us > 60_000_000)
    throw new BadInput(`${named(key)} must be a time from 1us to 60s (${TIME_RULE}), not ${shown(value)}`);
  return us;
}

/** A time as tc reads it back: whole milliseconds as ms, else microseconds. */
export function timeText(us: number): string {
  return us % 1000 === 0 ? `${us / 1000}ms` : `${us}us`;
}

/** Decimal notation always, as tc-netem(8) writes percentages, not the "1e-7" String() gives small numbers. */
export function percentText(value: number): string {
  return `${value.toLocaleString('en-US', { useGrouping: false, maximumFractionDigits: 20 })}%`;
}

/** 1 to `most` values, as "a,b,c" or an array (or one number); `form` is how the error shows them. */
export function list(value: unknown, key: string, most: number, form: string): unknown[] {
  const parts = Array.isArray(value)
    ? (value as unknown[])
    : typeof value === 'string'
      ? value.split(',')
      : typeof value === 'number'
        ? [value]
        : [];
  if (parts.length < 1 || parts.length > most)
    throw new BadInput(`${named(key)} takes ${form}, not ${shown(value)}`);
  return parts;
}
