import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { experiment, run } from './experiment-helpers.js';

process.env.PYTHONDONTWRITEBYTECODE = '1';

const MODULE = 'faultline_python_fixture';

function python(type: 'probe' | 'action', name: string, func: string, args: object = {}, extra: object = {}) {
  return { type, name, provider: { type: 'python', module: MODULE, func, arguments: args }, ...extra };
}

describe('journal details as chaoslib writes them', () => {
  test('an interrupted process activity has output null', async () => {
    const journal = await run(
      experiment({
        method: [
          { type: 'action', name: 'sleep', provider: { type: 'process', path: 'sleep', arguments: '30' } },
        ],
      }),
      { maxDuration: 0.5 },
    );
    assert.equal(journal.status, 'interrupted');
    assert.deepEqual(
      journal.run.map((entry) => [entry.activity.name, entry.status, entry.output]),
      [['sleep', undefined, null]],
    );
  });

  test('a background entry failed by exit_ungracefully() has status and exception before end', async () => {
    const journal = await run(
      experiment({
        method: [
          python('action', 'long background', 'wait', { seconds: 30 }, { background: true }),
          python('action', 'leave', 'exit_after', { seconds: 0.2, graceful: false }),
        ],
      }),
    );
    assert.equal(journal.status, 'interrupted');
    const background = journal.run.find((entry) => entry.activity.name === 'long background')!;
    assert.deepEqual(Object.keys(background), [
      'activity',
      'output',
      'start',
      'status',
      'exception',
      'end',
      'duration',
    ]);
  });

  test('an exception line is module-qualified, as chaoslib prints it', async () => {
    const journal = await run(experiment({ method: [python('action', 'raise', 'raise_custom')] }));
    assert.equal(
      journal.run[0]!.exception!.at(-1),
      'chaoslib.exceptions.ActivityFailed: faultline_python_fixture.MyError: custom\n',
    );
  });

  test('datetime and date return values are written in ISO format', async () => {
    const journal = await run(experiment({ method: [python('probe', 'moment', 'moment')] }));
    assert.deepEqual(journal.run[0]!.output, { at: '2024-01-02T03:04:05.600000', day: '2024-01-02' });
  });

  test('hooks get the substituted title', async () => {
    const journal = await run(
      experiment({
        title: 'run on ${place}',
        configuration: { place: 'staging' },
        controls: [{ name: 'titles', provider: { type: 'python', module: 'pytitle' } }],
        method: [
          { type: 'probe', name: 'seen', provider: { type: 'python', module: 'pytitle', func: 'seen' } },
        ],
      }),
    );
    assert.deepEqual(journal.run[0]!.output, ['run on staging']);
    assert.equal(journal.experiment.title, 'run on staging');
  });
});
