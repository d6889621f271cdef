import assert from 'node:assert/strict';
import { test } from 'node:test';
import { experiment, js, run } from './experiment-helpers.js';

/** A hypothesis whose one probe returns `value`, checked by a range tolerance of `range`. */
async function steadyStateMet(range: unknown[], value: unknown): Promise<boolean | undefined> {
  const journal = await run(
    experiment({
      'steady-state-hypothesis': {
        title: 'in range',
        probes: [js('probe', 'p', 'value', { value }, { tolerance: { type: 'range', range } })],
      },
    }),
  );
  return journal.steady_states.before?.steady_state_met;
}

test('a range bound may be a bool, as chaoslib takes it (isinstance(True, Number)): true is 1, false is 0', async () => {
  assert.equal(await steadyStateMet([true, 5], 3), true);
  assert.equal(await steadyStateMet([true, 5], 0), false);
  assert.equal(await steadyStateMet([false, true], 1), true);
  assert.equal(await steadyStateMet([false, true], 2), false);
});
