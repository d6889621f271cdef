import type { Clock } from './clock.js';

/**
 * Timers fire on whole milliseconds, often one to several milliseconds late on a busy or
 * virtual machine, and may fire a fraction early against performance.now(). So the timer is
 * armed EARLY_MS before the deadline and the rest is spent in setImmediate turns (polling I/O
 * meanwhile): a wait is never short, and is rarely late by more than a few hundred microseconds.
 */
const EARLY_MS = 1;

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
        if (remaining >= EARLY_MS + 1) timer = setTimeout(arm, Math.floor(remaining) - EARLY_MS);
        else immediate = setImmediate(arm);
      };
      signal?.addEventListener('abort', finish, { once: true });
      arm();
    }),
};
