import { setTimeout as sleep } from 'node:timers/promises';

/** The most kills a loop makes, and the longest wait between two. */
export const MAX_KILL_COUNT = 1000;
export const MAX_INTERVAL_MS = 3_600_000;
/** The wait between kills when a loop gives --count and no --interval. */
export const DEFAULT_INTERVAL_MS = 1000;

/**
 * A wait between kills, in milliseconds: `1.25s`, `200ms`, `2m`, or a bare number of seconds (as
 * sleep(1) reads it). Anything else, a negative value or more than an hour is refused by name.
 */
export function parseInterval(value: unknown, name: string): number {
  const text =
    typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : undefined;
  const parts = text === undefined ? null : /^(\d+(?:\.\d+)?|\.\d+)(ms|s|m)?$/.exec(text);
  if (!parts)
    throw new Error(
      `${name} ${JSON.stringify(value)} is not a duration; write it as 1.25s, 200ms or 2m (a bare number is seconds)`,
    );
  const unit = parts[2] ?? 's';
  const ms = Number(parts[1]) * (unit === 'ms' ? 1 : unit === 's' ? 1000 : 60_000);
  if (ms > MAX_INTERVAL_MS)
    throw new Error(`${name} ${JSON.stringify(value)} is longer than an hour, the most it takes`);
  return Math.round(ms);
}

/** The kill count: a whole number from 1 to MAX_KILL_COUNT, refused by name otherwise. */
export function parseCount(value: unknown, name: string): number {
  const number = typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isInteger(number) || number < 1 || number > MAX_KILL_COUNT)
    throw new Error(
      `${name} ${JSON.stringify(value)} is not a number of kills; give a whole number from 1 to ${MAX_KILL_COUNT}`,
    );
  return number;
}

/** A loop's plan: how many rounds and how far apart; an interval with one round is refused. */
export function killPlan(
  count: number | undefined,
  intervalMs: number | undefined,
  names: { count: string; interval: string },
): { count: number; intervalMs: number } {
  if (intervalMs !== undefined && (count ?? 1) === 1)
    throw new Error(
      `${names.interval} is the wait between kills, and without ${names.count} 2 or more there is one kill: give ${names.count} too, or leave ${names.interval} out`,
    );
  return { count: count ?? 1, intervalMs: intervalMs ?? DEFAULT_INTERVAL_MS };
}

export interface LoopOutcome<T> {
  rounds: T[];
  /** Whether the abort signal ended the loop before its last round. */
  interrupted: boolean;
}

/**
 * Runs `round` `count` times, `intervalMs` apart (from the end of one round to the start of the
 * next). An abort ends the wait and the loop at once, with the rounds done so far; an error in a
 * round ends it too and propagates, after `onRound` has seen the rounds before it.
 */
export async function repeatRounds<T>(
  count: number,
  intervalMs: number,
  abort: AbortSignal,
  round: (index: number) => Promise<T>,
): Promise<LoopOutcome<T>> {
  const rounds: T[] = [];
  for (let index = 1; index <= count; index += 1) {
    if (abort.aborted) return { rounds, interrupted: true };
    rounds.push(await round(index));
    if (index < count) {
      try {
        await sleep(intervalMs, undefined, { signal: abort });
      } catch {
        return { rounds, interrupted: true };
      }
    }
  }
  return { rounds, interrupted: false };
}

/** "1.25 s" or "200 ms", for messages. */
export function formatInterval(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${ms / 1000} s`;
}
