import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { silentLog } from '../src/experiment/console.js';
import { noLedger } from '../src/experiment/ledger.js';
import { startExperiment } from '../src/experiment/run.js';
import { validateExperiment } from '../src/experiment/validate.js';
import { experiment, fixtures, js, names, run } from './experiment-helpers.js';

let counter = 0;
const key = () => `k${++counter}`;
/** A hypothesis whose probe reads `flag` and expects `expected`. */
const hypothesis = (flag: string, expected: unknown = null) => ({
  title: 'flag is as expected',
  probes: [
    js('probe', 'read flag', 'get', { key: flag }, { tolerance: expected === null ? [null] : expected }),
  ],
});

describe('statuses and exit semantics (spec §4.5, §4.6)', () => {
  test('a clean run completes, with the journal keys in order', async () => {
    const flagged = await run(
      experiment({
        'steady-state-hypothesis': hypothesis(key()),
        method: [js('action', 'noop', 'value', { value: 1 })],
      }),
    );
    assert.equal(flagged.status, 'completed');
    assert.equal(flagged.deviated, false);
    assert.deepEqual(Object.keys(flagged).slice(0, 12), [
      'chaoslib-version',
      'platform',
      'node',
      'experiment',
      'start',
      'status',
      'deviated',
      'steady_states',
      'run',
      'rollbacks',
      'end',
      'duration',
    ]);
    assert.deepEqual(Object.keys(flagged.run[0]!), [
      'activity',
      'output',
      'start',
      'status',
      'end',
      'duration',
    ]);
    assert.match(flagged.start, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$/);
    assert.equal(flagged.experiment.dry, null);
  });

  test('a gate-hypothesis tolerance miss: completed, method skipped, rollbacks played', async () => {
    const journal = await run(
      experiment({
        'steady-state-hypothesis': hypothesis(key(), 'never'),
        method: [js('action', 'a', 'value')],
        rollbacks: [js('action', 'undo', 'value')],
      }),
    );
    assert.equal(journal.status, 'completed');
    assert.equal(journal.steady_states.before?.steady_state_met, false);
    assert.equal(journal.steady_states.after, null);
    assert.deepEqual(journal.run, []);
    assert.deepEqual(names(journal.rollbacks), ['undo']);
  });

  test('a gate probe that errors: failed, no rollbacks under default', async () => {
    const journal = await run(
      experiment({
        'steady-state-hypothesis': {
          title: 'h',
          probes: [js('probe', 'broken', 'fail', {}, { tolerance: true })],
        },
        method: [js('action', 'a', 'value')],
        rollbacks: [js('action', 'undo', 'value')],
      }),
    );
    assert.equal(journal.status, 'failed');
    assert.equal(journal.steady_states.before?.probes[0]?.tolerance_met, false);
    assert.deepEqual(journal.rollbacks, []);
  });

  test('a gate tolerance that cannot be checked aborts the run before the method, as chaos run stops', async () => {
    const lines: string[] = [];
    const journal = await run(
      experiment({
        'steady-state-hypothesis': {
          title: 'h',
          probes: [
            js('probe', 'shaped', 'value', { value: 7 }, { tolerance: { type: 'regex', pattern: '7' } }),
          ],
        },
        method: [js('action', 'a', 'value')],
        rollbacks: [js('action', 'undo', 'value')],
      }),
      { log: { ...silentLog, error: (line: string) => lines.push(line) } },
    );
    assert.equal(journal.status, 'aborted');
    assert.deepEqual(journal.run, []);
    assert.deepEqual(lines, [
      'Experiment aborted: the tolerance of probe \'shaped\' cannot be checked: regex tolerance needs a string, got int; set "target" (e.g. "stdout" or "body")',
    ]);
  });

  test('a tolerance that cannot be checked during the method aborts the run and says why', async () => {
    const lines: string[] = [];
    const journal = await run(
      experiment({
        'steady-state-hypothesis': {
          title: 'h',
          probes: [
            js('probe', 'shaped', 'value', { value: 7 }, { tolerance: { type: 'regex', pattern: '7' } }),
          ],
        },
        method: [js('action', 'a', 'value')],
      }),
      {
        log: { ...silentLog, error: (line: string) => lines.push(line) },
        hypothesisStrategy: 'during-method-only',
      },
    );
    assert.equal(journal.status, 'aborted');
    assert.deepEqual(journal.steady_states.during, []);
    assert.deepEqual(lines, [
      'Experiment aborted: the steady-state hypothesis check during the method failed: the tolerance of probe \'shaped\' cannot be checked: regex tolerance needs a string, got int; set "target" (e.g. "stdout" or "body")',
    ]);
  });

  test('a dynamic-configuration process that exits non-zero drops its key with a warning, as chaoslib', async () => {
    const warnings: string[] = [];
    const journal = await run(
      experiment({
        configuration: {
          version: {
            type: 'probe',
            name: 'get version',
            provider: { type: 'process', path: 'sh', arguments: ['-c', 'echo no version >&2; exit 3'] },
          },
        },
        method: [js('probe', 'show', 'value', { value: '${version}' })],
      }),
      { log: { ...silentLog, warning: (line: string) => warnings.push(line) } },
    );
    assert.deepEqual(warnings, [
      'Some of the dynamic configuration failed to be loaded: version (process exited with status 3: no version)',
    ]);
    assert.equal(journal.run[0]!.output, '${version}');
  });

  test('a --var for a dynamic-configuration key replaces the probe, which does not run, as chaoslib loads the vars first', async () => {
    const probe = (value: string) => ({
      type: 'probe',
      name: 'read it',
      provider: { type: 'process', path: 'echo', arguments: [value] },
    });
    const journal = await run(
      experiment({
        configuration: { region: probe('from-probe'), zone: 'a' },
        method: [js('probe', 'show', 'value', { value: '${region} ${zone}' })],
      }),
      { vars: { configuration: { region: 'from-var', zone: probe('zone-from-probe') }, secrets: {} } },
    );
    assert.equal(journal.run[0]!.output, 'from-var zone-from-probe', 'a var that is a probe is dynamic too');
  });

  test('a deviation after the method: completed and deviated', async () => {
    const flag = key();
    const journal = await run(
      experiment({
        'steady-state-hypothesis': hypothesis(flag),
        method: [js('action', 'break it', 'set', { key: flag, value: 'broken' })],
      }),
    );
    assert.equal(journal.status, 'completed');
    assert.equal(journal.deviated, true);
    assert.equal(journal.steady_states.after?.steady_state_met, false);
  });

  test('a failed action does not change the status; the rest of the method runs', async () => {
    const journal = await run(
      experiment({
        method: [js('action', 'boom', 'fail', { message: 'kaput' }), js('action', 'next', 'value')],
      }),
    );
    assert.equal(journal.status, 'completed');
    assert.equal(journal.run[0]!.status, 'failed');
    assert.equal(journal.run[0]!.output, null);
    assert.equal(journal.run[0]!.exception!.at(-1), 'chaoslib.exceptions.ActivityFailed: Error: kaput\n');
    assert.deepEqual(names(journal.run), ['boom', 'next']);
  });

  test('--fail-on-action-error: a failed action fails the run and stops the method', async () => {
    const journal = await run(
      experiment({ method: [js('action', 'boom', 'fail'), js('action', 'next', 'value')] }),
      {
        failOnActionError: true,
      },
    );
    assert.equal(journal.status, 'failed');
    assert.deepEqual(names(journal.run), ['boom']);
  });

  test('the hypothesis stops at the first probe that misses', async () => {
    const journal = await run(
      experiment({
        'steady-state-hypothesis': {
          title: 'h',
          probes: [
            js('probe', 'first', 'value', { value: 1 }, { tolerance: 2 }),
            js('probe', 'second', 'value', { value: 1 }, { tolerance: 1 }),
          ],
        },
      }),
    );
    assert.deepEqual(names(journal.steady_states.before!.probes), ['first']);
  });

  test('refs run the referenced activity, recorded in full', async () => {
    const journal = await run(
      experiment({ method: [js('action', 'original', 'value', { value: 'x' }), { ref: 'original' }] }),
    );
    assert.deepEqual(names(journal.run), ['original', 'original']);
    assert.equal(journal.run[1]!.output, 'x');
  });

  test('a hypothesis ref is checked against its own tolerance, as chaoslib reads it, and the journal shows the activity it names', async () => {
    const status = js('probe', 'status', 'value', { value: 201 }, { tolerance: 500 });
    const journal = await run(
      experiment({
        'steady-state-hypothesis': { title: 'h', probes: [{ ref: 'status', tolerance: 201 }] },
        method: [status],
      }),
    );
    const [before, after] = [journal.steady_states.before!, journal.steady_states.after!];
    assert.deepEqual(
      [before.steady_state_met, before.probes[0]!.tolerance_met, after.steady_state_met, journal.deviated],
      [true, true, true, false],
    );
    assert.equal(before.probes[0]!.activity.tolerance, 500, 'the entry is the named activity, as in chaos');
  });

  test('an activity that cannot run at all aborts the experiment; rollbacks still follow the default strategy', async () => {
    const valid = await validateExperiment(
      experiment({ method: [js('action', 'a', 'value')], rollbacks: [js('action', 'undo', 'value')] }),
      fixtures,
    );
    valid.method.push({ ref: 'missing' } as never);
    valid.method.push(js('action', 'never', 'value') as never);
    const journal = await startExperiment(valid, {
      log: silentLog,
      ledger: noLedger,
      baseDirectory: fixtures,
    }).journal;
    assert.equal(journal.status, 'aborted');
    assert.deepEqual(names(journal.run), ['a']);
    assert.deepEqual(names(journal.rollbacks), ['undo']);
  });
});

describe('a background activity that cannot run at all', () => {
  test("aborts the experiment once the method's activities have run, as chaoslib's result() raising does", async () => {
    const valid = await validateExperiment(
      experiment({
        'steady-state-hypothesis': {
          title: 'h',
          probes: [js('probe', 'check', 'value', { value: 1 }, { tolerance: 1 })],
        },
        method: [js('action', 'a', 'value')],
        rollbacks: [js('action', 'undo', 'value')],
      }),
      fixtures,
    );
    // A module missing at run time (validation skipped): not an ActivityFailed, in the background.
    valid.method.unshift({
      type: 'action',
      name: 'gone',
      background: true,
      provider: { type: 'python', module: 'faultline_no_such_module', func: 'f' },
    } as never);
    const log: string[] = [];
    const journal = await startExperiment(valid, {
      log: { ...silentLog, error: (message: string) => log.push(message) },
      ledger: noLedger,
      baseDirectory: fixtures,
    }).journal;
    assert.equal(journal.status, 'aborted');
    assert.deepEqual(
      journal.run.map((entry) => [entry.activity.name, entry.status]),
      [
        ['gone', undefined],
        ['a', 'succeeded'],
      ],
    );
    assert.equal(journal.steady_states.after, null, 'the hypothesis after the method is not checked');
    assert.deepEqual(names(journal.rollbacks), ['undo']);
    assert.match(
      log.join('\n'),
      /Experiment aborted: could not find Python module 'faultline_no_such_module'/,
    );
  });
});

describe('strategies (spec §4.2, §4.3)', () => {
  const deviating = (flag: string) =>
    experiment({
      'steady-state-hypothesis': hypothesis(flag),
      method: [
        js('action', 'break it', 'set', { key: flag, value: 'broken' }),
        js('action', 'hold', 'wait', { ms: 150 }),
      ],
      rollbacks: [js('action', 'undo', 'value')],
    });

  test('before-method-only and after-method-only', async () => {
    const before = await run(deviating(key()), { hypothesisStrategy: 'before-method-only' });
    assert.notEqual(before.steady_states.before, null);
    assert.equal(before.steady_states.after, null);
    assert.equal(before.deviated, false);
    const after = await run(deviating(key()), { hypothesisStrategy: 'after-method-only' });
    assert.equal(after.steady_states.before, null);
    assert.equal(after.deviated, true);
  });

  test('during-method-only records checks without deviating, unless --fail-fast', async () => {
    const quiet = await run(deviating(key()), {
      hypothesisStrategy: 'during-method-only',
      hypothesisFrequency: 0.02,
    });
    assert.ok(quiet.steady_states.during.length >= 1);
    assert.equal(quiet.status, 'completed');
    assert.equal(quiet.deviated, false);
    const fast = await run(deviating(key()), {
      hypothesisStrategy: 'during-method-only',
      hypothesisFrequency: 0.02,
      failFast: true,
    });
    assert.equal(fast.status, 'failed');
    assert.deepEqual(fast.rollbacks, [], 'no rollbacks for a failed run under default');
  });

  test('continuously checks before, during and after; the after check sets the final status', async () => {
    const journal = await run(deviating(key()), {
      hypothesisStrategy: 'continuously',
      hypothesisFrequency: 0.02,
      failFast: true,
    });
    assert.notEqual(journal.steady_states.before, null);
    assert.ok(journal.steady_states.during.length >= 1);
    assert.equal(journal.status, 'completed');
    assert.equal(journal.deviated, true);
  });

  test('skip runs no hypothesis', async () => {
    const journal = await run(deviating(key()), { hypothesisStrategy: 'skip' });
    assert.deepEqual(
      [journal.steady_states.before, journal.steady_states.after, journal.deviated],
      [null, null, false],
    );
  });

  test('rollback strategies: always, never, deviated', async () => {
    const failing = () =>
      experiment({
        'steady-state-hypothesis': {
          title: 'h',
          probes: [js('probe', 'broken', 'fail', {}, { tolerance: true })],
        },
        rollbacks: [js('action', 'undo', 'value')],
      });
    assert.deepEqual(names((await run(failing(), { rollbackStrategy: 'always' })).rollbacks), ['undo']);
    assert.deepEqual((await run(deviating(key()), { rollbackStrategy: 'never' })).rollbacks, []);
    assert.deepEqual(names((await run(deviating(key()), { rollbackStrategy: 'deviated' })).rollbacks), [
      'undo',
    ]);
    const calm = experiment({ rollbacks: [js('action', 'undo', 'value')] });
    assert.deepEqual((await run(calm, { rollbackStrategy: 'deviated' })).rollbacks, []);
  });
});

describe('activities', () => {
  test('background activities start at once; entries are in start order', async () => {
    const started = performance.now();
    const journal = await run(
      experiment({
        method: [
          js('action', 'slow background', 'wait', { ms: 200 }, { background: true }),
          js('action', 'quick', 'value', { value: 1 }),
        ],
      }),
    );
    assert.deepEqual(names(journal.run), ['slow background', 'quick']);
    assert.ok(journal.run[1]!.start < journal.run[0]!.end!, 'quick started before the background one ended');
    assert.ok(performance.now() - started >= 200, 'the method waited for the background activity');
  });

  test('pauses happen outside the recorded duration, and --dry pause skips them', async () => {
    const paused = experiment({
      method: [js('action', 'a', 'value', {}, { pauses: { before: 0.5, after: 0.5 } })],
    });
    // Pauses of 500 ms, so that a loaded machine's slow run of the activity itself (a stall of
    // 100 ms is common at load 20) cannot pass for, or hide, a pause.
    const journal = await run(paused);
    assert.ok(journal.run[0]!.duration! < 0.5, `activity duration ${journal.run[0]!.duration}`);
    // Two 500 ms pauses; libuv's timers may fire up to 1 ms early by performance.now()'s reckoning.
    assert.ok(journal.duration >= 0.998, `duration ${journal.duration}`);
    const skipped = await run(paused, { dry: 'pause' });
    assert.ok(skipped.duration < 0.9, `duration ${skipped.duration} with the pauses skipped`);
    assert.equal(skipped.run[0]!.status, 'succeeded');
  });

  test('a pause that substitution makes negative or a string aborts the run naming it; a falsy one is no pause', async () => {
    const withPause = (after: unknown) =>
      experiment({
        configuration: { negative: -1, word: 'soon', text: '2', none: null, zero: 0 },
        method: [
          js('action', 'paused', 'value', {}, { pauses: { after } }),
          js('action', 'next', 'value', {}),
        ],
      });
    const expected: Array<[string, string]> = [
      ['${negative}', `"\${negative}", which became -1: a pause is a number of seconds, 0 or more`],
      ['${word}', `"\${word}", which became "soon": a pause is a number of seconds, 0 or more`],
      [
        '${text}',
        `"\${text}", which became "2": a pause is a number of seconds, 0 or more; a value read from the environment is a string: give it "env_var_type": "float"`,
      ],
      [
        '${absent}',
        `"\${absent}", which was not substituted (no configuration or secret has that name): a pause is a number of seconds, 0 or more`,
      ],
    ];
    for (const [after, reason] of expected) {
      const errors: string[] = [];
      const journal = await run(withPause(after), {
        log: { ...silentLog, error: (line) => errors.push(line) },
      });
      assert.equal(journal.status, 'aborted', after);
      assert.deepEqual(names(journal.run), ['paused'], `${after}: the activity after it does not run`);
      assert.deepEqual(errors, [
        `Experiment aborted: the after pause of activity 'paused' is ${reason} (chaos run fails on it too: time.sleep raises)`,
      ]);
    }
    for (const after of ['${none}', '${zero}']) {
      const journal = await run(withPause(after));
      assert.equal(journal.status, 'completed', after);
      assert.deepEqual(names(journal.run), ['paused', 'next'], after);
    }
  });

  test('dry modes: activities, probes, actions', async () => {
    const flag = key();
    const value = experiment({
      'steady-state-hypothesis': hypothesis(flag, 'never'),
      method: [
        js('action', 'set', 'set', { key: flag, value: 'set' }),
        js('probe', 'read', 'get', { key: flag }),
      ],
    });
    const all = await run(value, { dry: 'activities' });
    assert.equal(all.steady_states.before!.steady_state_met, true, 'tolerances are not checked');
    assert.deepEqual(
      all.run.map((entry) => [entry.status, entry.output]),
      [
        ['succeeded', null],
        ['succeeded', null],
      ],
    );
    assert.equal(all.experiment.dry, 'activities');
    const probes = await run(value, { dry: 'probes' });
    assert.deepEqual(
      probes.run.map((entry) => entry.output),
      [true, null],
      'actions ran, probes did not',
    );
    const actions = await run(value, { dry: 'actions' });
    assert.equal(actions.steady_states.before!.probes[0]!.output, 'set', 'the probe ran for real');
    assert.equal(actions.steady_states.before!.steady_state_met, false, 'and its tolerance was checked');
    const onlyActions = await run(experiment({ method: [js('action', 'skipped', 'value', { value: 1 })] }), {
      dry: 'actions',
    });
    assert.equal(onlyActions.run[0]!.output, null);
  });

  test("an activity's own 'dry' neither makes it dry nor cancels --dry (chaos run's file value would cancel it)", async () => {
    const flag = key();
    const written = js('action', 'set', 'set', { key: flag, value: 'set' }, { dry: 'actions' });
    const dry = await run(experiment({ method: [written] }), { dry: 'activities' });
    assert.deepEqual(
      dry.run.map((entry) => [entry.status, entry.output]),
      [['succeeded', null]],
    );
    const wet = await run(experiment({ method: [written, js('probe', 'read', 'get', { key: flag })] }));
    assert.deepEqual(
      wet.run.map((entry) => entry.output),
      [true, 'set'],
      'without --dry the activity runs, its own dry notwithstanding',
    );
  });

  test('configuration reaches activities through substitution and the context', async () => {
    const journal = await run(
      experiment({
        configuration: { service: 'orders', port: 8080 },
        secrets: { db: { password: 'hunter2' } },
        method: [
          js('action', 'a', 'value', { value: 'http://${service}:${port}' }),
          {
            ...js('action', 'b', 'context'),
            provider: { type: 'javascript', module: './activities.mjs', func: 'context', secrets: ['db'] },
          },
          {
            ...js('action', 'c', 'secretIs'),
            provider: {
              type: 'javascript',
              module: './activities.mjs',
              func: 'secretIs',
              secrets: ['db'],
              arguments: { key: 'password', expected: 'hunter2' },
            },
          },
        ],
      }),
    );
    assert.equal(journal.run[0]!.output, 'http://orders:8080');
    assert.deepEqual(journal.run[1]!.output, {
      configuration: { service: 'orders', port: 8080 },
      secrets: { password: '***' },
    });
    assert.equal(journal.run[2]!.output, true, 'the function received the secret; the journal masks it');
  });

  test('activities see the environment as it is when they run (create_proxy exports <name>_PORT there)', async () => {
    await run(experiment({ method: [js('action', 'start the thread', 'value', { value: 1 })] }));
    process.env.FAULTLINE_TEST_LATE_VALUE = 'set after the thread started';
    try {
      const journal = await run(
        experiment({ method: [js('probe', 'read', 'envOf', { name: 'FAULTLINE_TEST_LATE_VALUE' })] }),
      );
      assert.equal(journal.run[0]!.output, 'set after the thread started');
    } finally {
      delete process.env.FAULTLINE_TEST_LATE_VALUE;
    }
  });

  test('a TypeScript activity module', async () => {
    const journal = await run(
      experiment({
        method: [
          {
            type: 'action',
            name: 'ts',
            provider: { type: 'javascript', module: './typed.ts', func: 'triple', arguments: { base: 14 } },
          },
        ],
      }),
    );
    assert.equal(journal.run[0]!.output, 42);
  });

  test('a probe used as a tolerance', async () => {
    const journal = await run(
      experiment({
        'steady-state-hypothesis': {
          title: 'h',
          probes: [
            js('probe', 'four', 'value', { value: 4 }, { tolerance: js('probe', 'is even', 'isEven') }),
          ],
        },
      }),
    );
    assert.equal(journal.steady_states.before!.probes[0]!.tolerance_met, true);
  });
});

describe('interruption', () => {
  test('interrupting the method: status interrupted, the activity has no status, rollbacks follow the strategy', async () => {
    const valid = await validateExperiment(
      experiment({
        method: [js('action', 'long', 'wait', { ms: 30_000 }), js('action', 'after', 'value')],
        rollbacks: [js('action', 'undo', 'value')],
      }),
      fixtures,
    );
    const running = startExperiment(valid, {
      log: silentLog,
      ledger: noLedger,
      baseDirectory: fixtures,
      rollbackStrategy: 'always',
    });
    setImmediate(() => running.interrupt('SIGINT signal received'));
    const journal = await running.journal;
    assert.equal(journal.status, 'interrupted');
    assert.deepEqual(names(journal.run), ['long']);
    assert.equal('status' in journal.run[0]!, false);
    assert.deepEqual(names(journal.rollbacks), ['undo']);
  });

  test('--max-duration interrupts the run and plays the rollbacks even under the default strategy', async () => {
    const started = performance.now();
    const journal = await run(
      experiment({
        method: [js('action', 'long', 'wait', { ms: 30_000 })],
        rollbacks: [js('action', 'undo', 'value')],
      }),
      { maxDuration: 0.2 },
    );
    assert.equal(journal.status, 'interrupted');
    assert.deepEqual(names(journal.rollbacks), ['undo']);
    assert.ok(performance.now() - started < 10_000);
  });
});
