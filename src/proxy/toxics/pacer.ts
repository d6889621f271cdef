import type { Clock } from '../../model/clock.js';

/**
 * A virtual schedule for toxics that space data out in time. Each step is due a fixed time after
 * the previous one, so sub-millisecond steps add up, and a timer that fires late is caught up (by
 * up to `slackMs`) on the next steps, so the schedule holds on a loaded machine. The slack bounds
 * the burst after time that should not be caught up; `restart()` drops such time entirely.
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
    /** Starts the schedule from now (after idle time), keeping a step that is not yet due. */
    restart(): void {
      due = Math.max(due, clock.now());
    },
  };
}
