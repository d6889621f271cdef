import type { Clock } from '../../model/clock.js';

/**
 * A virtual schedule for toxics that space data out in time. Each step is due a fixed time after
 * the previous one, so sub-millisecond steps add up. With `slackMs` > 0 a late timer is caught
 * up (up to that much), which keeps an average rate exact; with 0 every step keeps its full gap.
 */
export function createPacer(clock: Clock, slackMs: number) {
  let due = Number.NEGATIVE_INFINITY;
  return {
    /** Books `ms` more on the schedule and returns how long to wait until that step is due. */
    step(ms: number): number {
      const now = clock.now();
      due = (due === Number.NEGATIVE_INFINITY ? now : Math.max(due, now - slackMs)) + ms;
      return due - now;
    },
  };
}
