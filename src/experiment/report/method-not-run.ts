import type { Journal } from '../journal.js';

/**
 * What a report says where the method has no entry: why it did not run, when the journal tells.
 * A hypothesis missed before the method skips it and leaves the run `completed`, so without
 * this a report reads as a run whose method did nothing.
 */
export function methodNotRun(journal: Journal): string {
  if (journal.steady_states.before?.steady_state_met === false)
    return 'Not run: the steady-state hypothesis was not met before it.';
  if (journal.status === 'interrupted' || journal.status === 'aborted')
    return `Not run: the run was ${journal.status} before it.`;
  return 'Nothing ran.';
}
