import type { Clock } from '../model/clock.js';

/**
 * Timers fire on whole milliseconds, often a millisecond or more late, and may fire a fraction
 * early against performance.now(). So the timer is armed for a millisecond less than the wait
 * and the rest is spent in setImmediate turns: a wait is never short, and is rarely late by more
 * than a few hundred microseconds.
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
        if (remaining >= 2) timer = setTimeout(arm, Math.floor(remaining) - 1);
        else immediate = setImmediate(arm);
      };
      signal?.addEventListener('abort', finish, { once: true });
      arm();
    }),
};
