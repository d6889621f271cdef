import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { silentLog } from '../src/experiment/console.js';
import { experiment, run } from './experiment-helpers.js';

process.env.PYTHONDONTWRITEBYTECODE = '1';

const MODULE = 'faultline_python_fixture';

function python(type: 'probe' | 'action', name: string, func: string, args: object = {}, extra: object = {}) {
  return { type, name, provider: { type: 'python', module: MODULE, func, arguments: args }, ...extra };
}

describe('foreground Python calls run on the interpreter main thread, as chaos run calls them', () => {
  test('exit_gracefully() in a foreground activity stops it at once: nothing after the call, no next activity', async () => {
    // Several runs: the next activity used to start in most of them, not all.
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const journal = await run(
        experiment({
          method: [
            python('action', 'exit', 'exit_now', { graceful: true }),
            python('action', 'fault', 'count'),
          ],
          rollbacks: [python('probe', 'code after the call', 'ran_after_exit')],
        }),
        { rollbackStrategy: 'always' },
      );
      assert.equal(journal.status, 'interrupted');
      assert.equal(
        journal.interruption,
        'SIGUSR1 received (exit_gracefully, SystemExit 20): rollbacks play per the strategy',
      );
      assert.deepEqual(
        journal.run.map((entry) => [entry.activity.name, entry.status, entry.output]),
        [['exit', undefined, null]],
      );
      assert.deepEqual(
        journal.rollbacks.map((entry) => [entry.activity.name, entry.status, entry.output]),
        [['code after the call', 'succeeded', 0]],
      );
    }
  });

  test('exit_ungracefully() in a foreground activity stops it and no rollback plays', async () => {
    const journal = await run(
      experiment({
        method: [
          python('action', 'exit', 'exit_now', { graceful: false }),
          python('action', 'fault', 'count'),
        ],
        rollbacks: [python('probe', 'code after the call', 'ran_after_exit')],
      }),
      { rollbackStrategy: 'always' },
    );
    assert.equal(journal.status, 'interrupted');
    assert.equal(
      journal.interruption,
      'SIGUSR2 received (exit_ungracefully, SystemExit 30): no rollback plays',
    );
    assert.deepEqual(
      journal.run.map((entry) => entry.activity.name),
      ['exit'],
    );
    assert.deepEqual(journal.rollbacks, []);
  });

  test('exit_gracefully() in a control hook stops the hook and the activity never starts', async () => {
    const journal = await run(
      experiment({
        controls: [{ name: 'leaver', provider: { type: 'python', module: 'pyexit' } }],
        method: [python('action', 'fault', 'count')],
        rollbacks: [
          {
            type: 'probe',
            name: 'code after the call',
            provider: { type: 'python', module: 'pyexit', func: 'ran_after_exit' },
          },
        ],
      }),
      { rollbackStrategy: 'always' },
    );
    assert.equal(journal.status, 'interrupted');
    assert.deepEqual(journal.run, []);
    assert.deepEqual(
      journal.rollbacks.map((entry) => [entry.activity.name, entry.output]),
      [['code after the call', 0]],
    );
  });

  test('a foreground activity sees the main thread, signal.signal and asyncio work; a background one runs in a thread', async () => {
    const journal = await run(
      experiment({
        method: [
          python('probe', 'background', 'thread_facts', {}, { background: true }),
          python('probe', 'foreground', 'thread_facts'),
        ],
      }),
    );
    assert.equal(journal.status, 'completed');
    const facts = Object.fromEntries(journal.run.map((entry) => [entry.activity.name, entry.output]));
    assert.deepEqual(facts.foreground, { main_thread: true, signal: 'ok', event_loop: true });
    assert.equal((facts.background as { main_thread: boolean }).main_thread, false);
  });
});

describe('what Python activities print reaches the run log, as on chaos run console', () => {
  test('print, sys.stderr and logging lines are passed on, secrets masked', async () => {
    const lines: string[] = [];
    const journal = await run(
      experiment({
        secrets: { vault: { token: 's3cr3t-value' } },
        method: [
          {
            type: 'probe',
            name: 'chatter',
            provider: { type: 'python', module: MODULE, func: 'chatter', secrets: ['vault'] },
          },
        ],
      }),
      { log: { ...silentLog, output: (text) => lines.push(text) } },
    );
    assert.equal(journal.status, 'completed');
    const text = lines.join('');
    assert.match(text, /^printed to stdout$/m);
    assert.match(text, /^written to stderr$/m);
    assert.match(text, /^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d INFO\] logged by chaostoolkit's logger$/m);
    assert.match(text, /^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d WARNING\] logged by the module's logger$/m);
    assert.match(text, /^token is \*\*\*$/m);
    assert.doesNotMatch(text, /s3cr3t-value/);
  });
});

describe('an interrupted foreground Python call does not hold the main thread', () => {
  test('--max-duration stops a sleeping foreground activity, and the Python rollback runs at once', async () => {
    const started = performance.now();
    const journal = await run(
      experiment({
        method: [python('action', 'long wait', 'wait', { seconds: 60 })],
        rollbacks: [python('action', 'undo', 'count')],
      }),
      { maxDuration: 0.5 },
    );
    assert.equal(journal.status, 'interrupted');
    assert.deepEqual(
      journal.rollbacks.map((entry) => [entry.activity.name, entry.status]),
      [['undo', 'succeeded']],
    );
    assert.ok(performance.now() - started < 40_000, 'the 60 s call was cut short');
  });
});
