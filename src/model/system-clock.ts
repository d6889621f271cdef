import type { Clock } from './clock.js';
import { DeadlineHeap } from './deadline-heap.js';

/** The share of wall time the finishing turns may take, averaged over a few milliseconds. */
export const SPIN_SHARE = 0.1;
/** Turns unused while idle add up to this much, enough to finish one wait on turns. */
export const SPIN_BURST_MS = 4;
/** The timer is armed to fire at least this long before the deadline, to cover a late wake-up. */
export const TIMER_MARGIN_MS = 0.25;

/**
 * Timers fire on whole milliseconds of the event loop's clock, which is read at the start of a
 * loop turn and cut to the millisecond: a timer of n ms may fire up to a millisecond early
 * against performance.now(), and it wakes a sleeping process some hundred microseconds late on a
 * virtual machine. So one timer, shared by every wait of the process, is armed for the whole
 * milliseconds left until the earliest deadline less TIMER_MARGIN_MS, and the rest is spent in
 * setImmediate turns, which poll I/O meanwhile: a wait is never short and rarely late by more
 * than a loop turn. Those turns are one chain however many waits are finishing, and they may take
 * at most SPIN_SHARE of the time: past that (a thousand connections whose deadlines fall less
 * than a millisecond apart), a wait finishes on a 1 ms timer instead, up to a millisecond late,
 * rather than spinning a core. A wait of Infinity arms nothing: only its signal ends it.
 * `monotonicNow` reads the time in milliseconds; the proxy's engine passes one that does not
 * load node:perf_hooks (see proxy/monotonic-now.ts).
 */
export function createSystemClock(monotonicNow: () => number = () => performance.now()): Clock {
  const waits = new DeadlineHeap();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let timerFiresAt = Number.POSITIVE_INFINITY;
  let turn: ReturnType<typeof setImmediate> | undefined;
  let allowance = SPIN_BURST_MS;
  let accountedAt: number | undefined;

  /** Turns earn SPIN_SHARE of the time that passes and cost all of the time they run. */
  const account = (now: number, spinning: boolean): void => {
    const elapsed = now - (accountedAt ?? now);
    accountedAt = now;
    allowance = Math.min(SPIN_BURST_MS, allowance + elapsed * SPIN_SHARE - (spinning ? elapsed : 0));
  };

  const stopTimer = (): void => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    timerFiresAt = Number.POSITIVE_INFINITY;
  };

  const stopTurns = (): void => {
    if (turn !== undefined) clearImmediate(turn);
    turn = undefined;
  };

  const armTimer = (now: number, ms: number): void => {
    stopTurns();
    if (timerFiresAt <= now + ms) return;
    stopTimer();
    timer = setTimeout(onTimer, ms);
    timerFiresAt = now + ms;
  };

  const schedule = (now: number): void => {
    const left = waits.earliest - now;
    if (left === Number.POSITIVE_INFINITY) {
      stopTimer();
      stopTurns();
    } else if (left >= 1 + TIMER_MARGIN_MS) armTimer(now, Math.floor(left - TIMER_MARGIN_MS));
    else if (allowance > 0) {
      stopTimer();
      turn ??= setImmediate(onTurn);
    } else armTimer(now, 1);
  };

  /** After a wait was added or withdrawn. */
  const plan = (now: number): void => {
    account(now, turn !== undefined);
    schedule(now);
  };

  const wakeDue = (spinning: boolean): void => {
    const now = monotonicNow();
    account(now, spinning);
    for (let wait = waits.takeDue(now); wait; wait = waits.takeDue(now)) wait.wake();
    schedule(now);
  };

  function onTimer(): void {
    timer = undefined;
    timerFiresAt = Number.POSITIVE_INFINITY;
    wakeDue(false);
  }

  function onTurn(): void {
    turn = undefined;
    wakeDue(true);
  }

  return {
    now: monotonicNow,
    sleep: (ms, signal) =>
      new Promise<void>((resolve) => {
        if (signal?.aborted || !(ms > 0)) return resolve();
        const now = monotonicNow();
        const abort = () => {
          waits.withdraw(wait);
          plan(monotonicNow());
          resolve();
        };
        const wait = waits.add(now + ms, () => {
          signal?.removeEventListener('abort', abort);
          resolve();
        });
        signal?.addEventListener('abort', abort, { once: true });
        plan(now);
      }),
  };
}

/** The clock of the process: one timer and one chain of turns for every wait. */
export const systemClock: Clock = createSystemClock();
