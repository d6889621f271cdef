/**
 * Time as toxics see it. Injected so tests can drive it and so nothing in the engine reads the
 * wall clock directly. `now()` is monotonic milliseconds with sub-millisecond precision.
 */
export interface Clock {
  now(): number;
  /**
   * Resolves after `ms` (never earlier), or at once when `signal` aborts; never rejects.
   * `Infinity` waits for the signal alone.
   */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/**
 * Timers fire on whole milliseconds and may fire a fraction early against performance.now(),
 * so the wait is re-armed until the deadline has really passed; the last fraction is a
 * setImmediate turn. A wait is thus never short and is late by well under a millisecond.
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
