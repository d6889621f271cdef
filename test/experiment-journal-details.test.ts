import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { experiment, fixtures, run } from './experiment-helpers.js';
import { runCli, tempDirectory } from './helpers.js';

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

  test('journal.experiment is the experiment as loaded, shallow as chaoslib copies it: title substituted, the rest as written, secrets masked', async () => {
    const directory = tempDirectory('journal-experiment');
    const module = join(fixtures, 'activities.mjs');
    const written = {
      title: 'checkout for ${team}',
      description: 'd',
      configuration: { team: { type: 'env', key: 'FL_TEAM', default: 'nobody' }, limit: 3 },
      secrets: { api: { token: 'hunter2-token', user: { type: 'env', key: 'FL_USER' } } },
      'steady-state-hypothesis': {
        title: 'h',
        probes: [
          {
            type: 'probe',
            name: 'limit',
            provider: { type: 'javascript', module, func: 'value', arguments: { value: '${limit}' } },
            tolerance: {
              type: 'probe',
              name: 'even',
              provider: { type: 'javascript', module, func: 'isEven', arguments: {} },
            },
          },
        ],
      },
      method: [
        {
          type: 'action',
          name: 'use the token',
          provider: { type: 'javascript', module, func: 'value', arguments: { value: '${token}' } },
        },
      ],
    };
    const source = join(directory, 'experiment.json');
    writeFileSync(source, JSON.stringify(written));
    const journalPath = join(directory, 'journal.json');
    const result = await runCli(
      [
        'run',
        source,
        '--journal-path',
        journalPath,
        '--var',
        'limit=4',
        '--ledger-dir',
        join(directory, 'ledger'),
      ],
      { FL_TEAM: 'payments', FL_USER: 'alice' },
    );
    assert.equal(result.code, 0, result.stderr);
    const journal = JSON.parse(readFileSync(journalPath, 'utf8'));
    // chaoslib: journal["experiment"] = experiment.copy() after the title is substituted and the
    // CLI's dry key set; within_tolerance then writes the checked value into the tolerance's own
    // arguments, which the shallow copy shares. Configuration and secrets stay as written.
    const tolerance = written['steady-state-hypothesis'].probes[0]!.tolerance;
    assert.equal(
      JSON.stringify(journal.experiment, null, 2),
      JSON.stringify(
        {
          ...written,
          title: 'checkout for payments',
          secrets: { api: { token: '***', user: { type: 'env', key: 'FL_USER' } } },
          'steady-state-hypothesis': {
            ...written['steady-state-hypothesis'],
            probes: [
              {
                ...written['steady-state-hypothesis'].probes[0],
                tolerance: { ...tolerance, provider: { ...tolerance.provider, arguments: { value: '4' } } },
              },
            ],
          },
          dry: null,
        },
        null,
        2,
      ),
    );
    assert.deepEqual(journal.run[0].output, '***', 'the secret is masked in the output too');
  });
});
