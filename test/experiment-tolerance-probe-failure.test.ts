import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { silentLog } from '../src/experiment/console.js';
import { experiment, js, run } from './experiment-helpers.js';

/**
 * A probe tolerance that raises counts as not met, as chaoslib's within_tolerance returns False
 * on ActivityFailed; chaos logs why only in a DEBUG traceback. The reader must see it.
 */
describe('a probe tolerance that fails', () => {
  test('misses the tolerance (not a failed probe), and the log says which tolerance failed and why', async () => {
    const warnings: string[] = [];
    const journal = await run(
      experiment({
        'steady-state-hypothesis': {
          title: 'h',
          probes: [
            {
              ...js('probe', 'ok', 'value', { value: 5 }),
              tolerance: js('probe', 'is small', 'fail', { message: 'threshold service down' }),
            },
          ],
        },
        method: [js('action', 'never', 'value', { value: 1 })],
      }),
      { log: { ...silentLog, warning: (message: string) => warnings.push(message) } },
    );
    assert.equal(journal.status, 'completed');
    const probe = journal.steady_states.before!.probes[0]!;
    assert.equal(probe.status, 'succeeded');
    assert.equal(probe.tolerance_met, false);
    assert.deepEqual(journal.run, []);
    assert.deepEqual(
      warnings.filter((message) => message.includes('is small')),
      [
        "The tolerance probe 'is small' of probe 'ok' failed, so the tolerance is not met (chaos run counts it so too): Error: threshold service down",
      ],
    );
  });
});
