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
