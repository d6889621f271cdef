import type { Clock } from '../model/clock.js';
import { createSystemClock } from '../model/system-clock.js';
import { monotonicNow } from './monotonic-now.js';

/**
 * The engine's clock unless it is given one: the system clock read through process.hrtime. Every
 * link stamps its chunks with the clock, so with `performance.now()` the first proxied connection
 * loaded node:perf_hooks. One for the process, as systemClock: one timer for every wait.
 */
export const engineClock: Clock = createSystemClock(monotonicNow);
