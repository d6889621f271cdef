import type { Clock } from './clock.js';

/**
 * Timers fire on whole milliseconds of the event loop's clock, which is read at the start of a
 * loop turn and cut to the millisecond: a timer of n ms fires up to one millisecond (plus the
 * turn's age) early against performance.now(), and on a busy or virtual machine often late. So
 * the timer is armed for the whole milliseconds left, and what remains when it fires (under a
 * millisecond or two) is spent in setImmediate turns, which poll I/O meanwhile: a wait is never
 * short and rarely late by more than a few hundred microseconds. Arming it a millisecond earlier,
 * as before, gave the same precision for twice the CPU (2.0 against 0.8 ms per wait).
 */
export const systemClock: Clock = {
  now: () => performance.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      if (signal?.aborted) return resolve();
      const deadline = performance.now() + ms;
      let timer: ReturnType<typeof setTimeout> | undefined;
      let immediate: ReturnType<typeof setImmediate> | undefined;
      const finish = () => {
        if (timer !== undefined) clearTimeout(timer);
        if (immediate !== undefined) clearImmediate(immediate);
        signal?.removeEventListener('abort', finish);
        resolve();
      };
      const arm = () => {
        timer = immediate = undefined;
        const remaining = deadline - performance.now();
        if (remaining <= 0) return finish();
        if (remaining === Number.POSITIVE_INFINITY) return;
        if (remaining >= 1) timer = setTimeout(arm, Math.floor(remaining));
        else immediate = setImmediate(arm);
      };
      signal?.addEventListener('abort', finish, { once: true });
      arm();
    }),
};
