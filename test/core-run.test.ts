import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { RunLog } from '../src/experiment/console.js';
import type { Journal } from '../src/experiment/journal.js';
import { noLedger } from '../src/experiment/ledger.js';
import { type RunOptions, startExperiment } from '../src/experiment/run.js';
import { validateExperiment } from '../src/experiment/validate.js';
import type { Experiment, RollbackStrategy } from '../src/model/experiment.js';
import { experiment, fixtures, js, names } from './experiment-helpers.js';

/** A log that keeps every line with its level, so the runner's messages can be checked exactly. */
function recordingLog(): RunLog & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    info: (message) => lines.push(`info: ${message}`),
    warning: (message) => lines.push(`warning: ${message}`),
    error: (message) => lines.push(`error: ${message}`),
    critical: (message) => lines.push(`critical: ${message}`),
    progress: () => () => undefined,
  };
}

async function start(value: Experiment, options: Partial<RunOptions> = {}) {
  const log = recordingLog();
  const valid = await validateExperiment(value, fixtures);
  const running = startExperiment(valid, { log, ledger: noLedger, baseDirectory: fixtures, ...options });
  return { log, running };
}

async function run(value: Experiment, options: Partial<RunOptions> = {}) {
  const { log, running } = await start(value, options);
  return { log, journal: await running.journal };
}

const tracer = {
  name: 'tracer',
  provider: { type: 'javascript', module: join(fixtures, 'controls.mjs'), arguments: {} },
};
const hooks = (journal: Journal) => (journal.controls ?? []).map((record) => record.hook);

const met = (name = 'p') => js('probe', name, 'value', { value: 1 }, { tolerance: 1 });
const missed = (name = 'p') => js('probe', name, 'value', { value: 2 }, { tolerance: 1 });

describe('the log of a run', () => {
  test('a completed run says what it does, in order', async () => {
    const { log, journal } = await run(
      experiment({
        title: 'checkout survives',
        method: [js('action', 'a', 'value')],
        rollbacks: [js('action', 'undo', 'value')],
      }),
    );
    assert.equal(journal.status, 'completed');
    assert.deepEqual(log.lines, [
      'info: Running experiment: checkout survives',
      'info: Steady-state strategy: default',
      'info: Rollbacks strategy: default',
      "info: No steady state hypothesis defined. That's ok, just exploring.",
      "info: Playing your experiment's method now...",
      'info: Action: a',
      "info: Let's rollback...",
      'info: Rollback: undo',
      'info: Action: undo',
      'info: Experiment ended with status: completed',
    ]);
  });

  test('a deviated run ends saying "deviated"', async () => {
    const { log, journal } = await run(
      experiment({ 'steady-state-hypothesis': { title: 'h', probes: [missed()] } }),
      { hypothesisStrategy: 'after-method-only' },
    );
    assert.deepEqual([journal.status, journal.deviated], ['completed', true]);
    assert.deepEqual(log.lines.slice(-2), [
      'info: Experiment ended with status: deviated',
      'info: The steady-state has deviated, a weakness may have been discovered',
    ]);
  });

  test('a run with a hypothesis says nothing of exploring; a dry run says it is dry', async () => {
    const { log } = await run(experiment({ 'steady-state-hypothesis': { title: 'h', probes: [met()] } }), {
      dry: 'actions',
    });
    assert.deepEqual(log.lines.slice(0, 5), [
      'info: Running experiment: test',
      'warning: Running experiment with dry actions',
      'info: Steady-state strategy: default',
      'info: Rollbacks strategy: default',
      'info: Steady state hypothesis: h',
    ]);
    const empty = await run(experiment({ 'steady-state-hypothesis': { title: 'h', probes: [] } }));
    assert.equal(empty.log.lines[3], "info: No steady state hypothesis defined. That's ok, just exploring.");
  });

  test('checks during the method are announced, each miss is named, and their end is said', async () => {
    const { log } = await run(
      experiment({
        'steady-state-hypothesis': { title: 'h', probes: [missed('steady')] },
        method: [js('action', 'slow', 'wait', { ms: 200 })],
      }),
      { hypothesisStrategy: 'during-method-only', failFast: true, hypothesisFrequency: 0.05 },
    );
    assert.deepEqual(
      log.lines.filter((line) => /[Cc]ontinuous|Terminating/.test(line)),
      [
        'info: Executing the steady-state hypothesis continuously every 0.05 seconds',
        "warning: Continuous steady state probe 'steady' is not in the given tolerance",
        'info: Terminating immediately the experiment after 100.0% hypothesis deviated',
        'info: Continuous steady state hypothesis terminated',
      ],
    );
    const held = await run(
      experiment({
        'steady-state-hypothesis': { title: 'h', probes: [met()] },
        method: [js('action', 'quick', 'value')],
      }),
      { hypothesisStrategy: 'during-method-only' },
    );
    assert.deepEqual(
      held.log.lines.filter((line) => /[Cc]ontinuous|Terminating/.test(line)),
      [
        'info: Executing the steady-state hypothesis continuously every 1.0 seconds',
        'info: Continuous steady state hypothesis terminated',
      ],
    );
  });

  test('--fail-fast says what share of the checks deviated, as chaoslib does: the third of three is 33.3%', async () => {
    const key = `fail-fast-ratio-${process.hrtime.bigint()}`;
    const { journal, log } = await run(
      experiment({
        'steady-state-hypothesis': {
          title: 'h',
          probes: [js('probe', 'counted', 'count', { key }, { tolerance: [1, 2] })],
        },
        method: [js('action', 'slow', 'wait', { ms: 2000 })],
      }),
      { hypothesisStrategy: 'during-method-only', failFast: true, hypothesisFrequency: 0.01 },
    );
    assert.deepEqual(
      journal.steady_states.during.map((state) => state.steady_state_met),
      [true, true, false],
    );
    assert.ok(
      log.lines.includes('info: Terminating immediately the experiment after 33.3% hypothesis deviated'),
      log.lines.join('\n'),
    );
  });

  test("an empty method is said to be empty, as chaoslib says it: 'No declared activities'", async () => {
    const empty = await run(experiment({ 'steady-state-hypothesis': { title: 'h', probes: [met()] } }));
    assert.deepEqual(
      empty.log.lines.filter((line) => /method now|No declared activities/.test(line)),
      ["info: Playing your experiment's method now...", "info: No declared activities, let's move on."],
    );
    const one = await run(experiment({ method: [js('action', 'a', 'value')] }));
    assert.equal(
      one.log.lines.some((line) => line.includes('No declared activities')),
      false,
    );
  });

  test('a hypothesis probe that fails to run is said to be unjudged, then the run fails', async () => {
    const { log } = await run(
      experiment({
        'steady-state-hypothesis': {
          title: 'h',
          probes: [js('probe', 'broken', 'fail', {}, { tolerance: true })],
        },
      }),
    );
    const at = log.lines.indexOf(
      'warning: Probe terminated unexpectedly, so its tolerance could not be validated',
    );
    assert.deepEqual(log.lines.slice(at - 1, at + 2), [
      'error:   => failed: Error: it failed',
      'warning: Probe terminated unexpectedly, so its tolerance could not be validated',
      "critical: Steady state probe 'broken' is not in the given tolerance so failing this experiment",
    ]);
  });

  test('each rollback strategy a user chose is said as chaoslib says it, whether they play or not', async () => {
    const said = async (rollbackStrategy: RollbackStrategy, probe: object) => {
      const { log } = await run(
        experiment({
          'steady-state-hypothesis': { title: 'h', probes: [probe] },
          rollbacks: [js('action', 'undo', 'value')],
        }),
        { rollbackStrategy, hypothesisStrategy: 'after-method-only' },
      );
      return log.lines.filter((line) => /Rollbacks (were|will)/.test(line));
    };
    assert.deepEqual(await said('always', met()), [
      'warning: Rollbacks were explicitly requested to be played',
    ]);
    assert.deepEqual(await said('always', missed()), [
      'warning: Rollbacks were explicitly requested to be played',
    ]);
    assert.deepEqual(await said('never', met()), [
      'warning: Rollbacks were explicitly requested to not be played',
    ]);
    assert.deepEqual(await said('never', missed()), [
      'warning: Rollbacks were explicitly requested to not be played',
    ]);
    assert.deepEqual(await said('deviated', missed()), [
      'warning: Rollbacks will be played only because the experiment deviated',
    ]);
    assert.deepEqual(await said('deviated', met()), [
      'warning: Rollbacks were explicitely requested to be played only if the experiment deviated. Since this is not the case, we will not play them.',
      'warning: Rollbacks were not played (strategy deviated, status completed); --rollback-strategy always plays them',
    ]);
    assert.deepEqual(await said('default', met()), []);
  });

  test('the strategies named are logged', async () => {
    const { log } = await run(experiment({}), {
      hypothesisStrategy: 'skip',
      rollbackStrategy: 'never',
    });
    assert.deepEqual(log.lines.slice(1, 3), [
      'info: Steady-state strategy: skip',
      'info: Rollbacks strategy: never',
    ]);
  });

  test('the old spelling "continously" is logged as the strategy it means', async () => {
    const { log } = await run(experiment({}), { hypothesisStrategy: 'continously' });
    assert.equal(log.lines[1], 'info: Steady-state strategy: continuously');
  });

  test('rollbacks to play but none declared: said so', async () => {
    const { log } = await run(experiment({}), { rollbackStrategy: 'always' });
    assert.deepEqual(log.lines.slice(-3), [
      "info: Let's rollback...",
      "info: No declared rollbacks, let's move on.",
      'info: Experiment ended with status: completed',
    ]);
  });

  test('rollbacks declared but not played: a warning names the strategy, the status and the way out', async () => {
    const failing = () =>
      experiment({
        'steady-state-hypothesis': {
          title: 'h',
          probes: [js('probe', 'broken', 'fail', {}, { tolerance: true })],
        },
        rollbacks: [js('action', 'undo', 'value')],
      });
    const { log } = await run(failing());
    assert.ok(
      log.lines.includes(
        'warning: Rollbacks were not played (strategy default, status failed); --rollback-strategy always plays them',
      ),
      log.lines.join('\n'),
    );
    const unplayed = (lines: string[]) => lines.filter((line) => line.includes('not played ('));
    const never = await run(failing(), { rollbackStrategy: 'never' });
    assert.deepEqual(unplayed(never.log.lines), [], 'never asked for no rollbacks: nothing to warn about');
    const none = await run(experiment({ 'steady-state-hypothesis': failing()['steady-state-hypothesis'] }));
    assert.deepEqual(unplayed(none.log.lines), [], 'no rollbacks declared: nothing was skipped');
  });

  test('an aborted run logs the error', async () => {
    const valid = await validateExperiment(experiment({ method: [js('action', 'a', 'value')] }), fixtures);
    valid.method.push({ ref: 'missing' } as never);
    const log = recordingLog();
    const journal = await startExperiment(valid, { log, ledger: noLedger, baseDirectory: fixtures }).journal;
    assert.equal(journal.status, 'aborted');
    assert.ok(
      log.lines.includes("error: Experiment aborted: could not find referenced activity 'missing'"),
      log.lines.join('\n'),
    );
    assert.equal(journal.interruption, undefined);
  });
});

describe('controls at the experiment, method and rollback levels', () => {
  test('a control sees each level once, in order', async () => {
    const { journal } = await run(
      experiment({
        method: [js('action', 'a', 'value')],
        rollbacks: [js('action', 'r', 'value')],
        controls: [tracer],
      }),
    );
    assert.deepEqual(hooks(journal), [
      'configure_control',
      'before_experiment_control',
      'before_method_control',
      'before_activity_control',
      'after_activity_control',
      'after_method_control',
      'before_rollback_control',
      'before_activity_control',
      'after_activity_control',
      'after_rollback_control',
      'after_experiment_control',
      'cleanup_control',
    ]);
  });

  test('a control that interrupts before an activity: interrupted, with its message, not aborted', async () => {
    const { journal, log } = await run(
      experiment({
        method: [js('action', 'a', 'value'), js('action', 'b', 'value')],
        controls: [{ ...tracer, provider: { ...tracer.provider, arguments: { stop_before: 'b' } } }],
      }),
    );
    assert.equal(journal.status, 'interrupted');
    assert.equal(journal.interruption, "the control stops the run before 'b'");
    assert.ok(
      log.lines.includes("critical: Experiment interrupted: the control stops the run before 'b'"),
      log.lines.join('\n'),
    );
    assert.deepEqual(names(journal.run), ['a']);
  });
});

describe('hypothesis strategies', () => {
  const steady = () =>
    experiment({
      'steady-state-hypothesis': { title: 'h', probes: [met()] },
      method: [js('action', 'a', 'wait', { ms: 50 })],
    });
  const checked = (journal: Journal) => [
    journal.steady_states.before !== null,
    journal.steady_states.during.length > 0,
    journal.steady_states.after !== null,
  ];

  test('each strategy checks before, during and after as chaoslib does', async () => {
    const expected: Array<[NonNullable<RunOptions['hypothesisStrategy']>, boolean[]]> = [
      ['default', [true, false, true]],
      ['before-method-only', [true, false, false]],
      ['after-method-only', [false, false, true]],
      ['during-method-only', [false, true, false]],
      ['continuously', [true, true, true]],
      ['continously', [true, true, true]],
      ['skip', [false, false, false]],
    ];
    for (const [hypothesisStrategy, where] of expected) {
      const { journal } = await run(steady(), { hypothesisStrategy, hypothesisFrequency: 10 });
      assert.deepEqual(checked(journal), where, hypothesisStrategy);
      assert.equal(journal.status, 'completed', hypothesisStrategy);
    }
  });

  test('a hypothesis without probes is never checked, by any strategy', async () => {
    for (const hypothesisStrategy of ['default', 'continuously'] as const) {
      const { journal } = await run(
        experiment({
          'steady-state-hypothesis': { title: 'h', probes: [] },
          method: [js('action', 'a', 'value')],
        }),
        { hypothesisStrategy },
      );
      assert.deepEqual(journal.steady_states, { before: null, after: null, during: [] }, hypothesisStrategy);
    }
  });

  test('during the method the hypothesis is checked at once, then every hypothesisFrequency seconds', async () => {
    const { journal } = await run(steady(), {
      hypothesisStrategy: 'during-method-only',
      hypothesisFrequency: 10,
    });
    assert.equal(journal.steady_states.during.length, 1, 'one check at the start; the next is 10 s away');
  });

  test('--fail-fast: a deviation during the method fails the run and stops the method', async () => {
    const { journal, log } = await run(
      experiment({
        'steady-state-hypothesis': { title: 'h', probes: [missed()] },
        method: [js('action', 'first', 'wait', { ms: 300 }), js('action', 'second', 'value')],
      }),
      { hypothesisStrategy: 'during-method-only', failFast: true, hypothesisFrequency: 0.01 },
    );
    assert.equal(journal.status, 'failed');
    assert.deepEqual(names(journal.run), ['first']);
    assert.ok(
      log.lines.includes(
        'critical: Steady state hypothesis deviated during the method and --fail-fast is set',
      ),
      log.lines.join('\n'),
    );
  });

  test('--fail-fast: a deviation found after the last activity still fails the run', async () => {
    // The check runs its probe for a second; the method's one action is done long before.
    const slowMiss = js('probe', 'slow', 'wait', { ms: 1000 }, { tolerance: 'never this' });
    const { journal } = await run(
      experiment({
        'steady-state-hypothesis': { title: 'h', probes: [slowMiss] },
        method: [js('action', 'quick', 'value')],
      }),
      { hypothesisStrategy: 'during-method-only', failFast: true, hypothesisFrequency: 10 },
    );
    assert.equal(journal.status, 'failed');
    assert.deepEqual(names(journal.run), ['quick']);
    assert.equal(journal.steady_states.during[0]!.steady_state_met, false);
  });

  test('continuously with --fail-fast: the method stops, the check after the method still runs and its miss leaves the run completed and deviated', async () => {
    // chaoslib's test_exit_immediately_when_continuous_ssh_fails_and_failfast, as chaoslib 1.45
    // ends it (1.35 made a deviation "completed"): met before, missed during and after.
    const counted = js('probe', 'counted', 'count', { key: 'continuous-fail-fast' }, { tolerance: 1 });
    const { journal } = await run(
      experiment({
        'steady-state-hypothesis': { title: 'h', probes: [counted] },
        method: [js('action', 'first', 'wait', { ms: 300 }), js('action', 'second', 'value')],
        rollbacks: [js('action', 'cleanup', 'value', { value: 'cleaned' })],
      }),
      {
        hypothesisStrategy: 'continuously',
        failFast: true,
        hypothesisFrequency: 0.01,
        rollbackStrategy: 'always',
      },
    );
    assert.deepEqual([journal.status, journal.deviated], ['completed', true]);
    assert.deepEqual(names(journal.run), ['first']);
    assert.equal(journal.steady_states.before!.steady_state_met, true);
    assert.equal(journal.steady_states.during[0]!.steady_state_met, false);
    assert.equal(journal.steady_states.after!.steady_state_met, false);
    assert.deepEqual(names(journal.rollbacks), ['cleanup']);
  });

  test('--fail-fast with the hypothesis met changes nothing', async () => {
    const { journal } = await run(
      experiment({
        'steady-state-hypothesis': { title: 'h', probes: [met()] },
        method: [js('action', 'first', 'wait', { ms: 50 }), js('action', 'second', 'value')],
      }),
      { hypothesisStrategy: 'during-method-only', failFast: true, hypothesisFrequency: 0.01 },
    );
    assert.equal(journal.status, 'completed');
    assert.deepEqual(names(journal.run), ['first', 'second']);
  });

  test('a deviation during the method without --fail-fast is recorded, not failed', async () => {
    const { journal } = await run(
      experiment({
        'steady-state-hypothesis': { title: 'h', probes: [missed()] },
        method: [js('action', 'first', 'wait', { ms: 50 }), js('action', 'second', 'value')],
      }),
      { hypothesisStrategy: 'during-method-only', hypothesisFrequency: 10 },
    );
    assert.deepEqual([journal.status, journal.deviated], ['completed', false]);
    assert.deepEqual(names(journal.run), ['first', 'second']);
    assert.equal(journal.steady_states.during[0]!.steady_state_met, false);
  });
});

describe('--fail-on-action-error', () => {
  test('a process action that exits non-zero succeeded, as chaoslib records it: the method goes on', async () => {
    const { journal } = await run(
      experiment({
        method: [
          {
            type: 'action',
            name: 'exits 3',
            provider: { type: 'process', path: 'sh', arguments: ['-c', 'exit 3'] },
          },
          js('action', 'later', 'value'),
        ],
      }),
      { failOnActionError: true },
    );
    assert.equal(journal.status, 'completed');
    assert.deepEqual(
      journal.run.map((entry) => [entry.activity.name, entry.status]),
      [
        ['exits 3', 'succeeded'],
        ['later', 'succeeded'],
      ],
    );
  });

  test('only a failed action fails the run: a failed probe or a succeeding action does not', async () => {
    const { journal } = await run(
      experiment({ method: [js('probe', 'broken', 'fail'), js('action', 'fine', 'value')] }),
      { failOnActionError: true },
    );
    assert.equal(journal.status, 'completed');
    assert.deepEqual(names(journal.run), ['broken', 'fine']);
  });

  test('a failed action says why the run fails', async () => {
    const { journal, log } = await run(
      experiment({ method: [js('action', 'broken', 'fail'), js('action', 'later', 'value')] }),
      { failOnActionError: true },
    );
    assert.equal(journal.status, 'failed');
    assert.ok(
      log.lines.includes("critical: Action 'broken' failed and --fail-on-action-error is set: the run fails"),
      log.lines.join('\n'),
    );
  });

  test('a background action that succeeds does not fail the run', async () => {
    const { journal } = await run(
      experiment({ method: [js('action', 'behind', 'value', {}, { background: true })] }),
      { failOnActionError: true },
    );
    assert.equal(journal.status, 'completed');
  });

  test('a failed background action fails the run too; a failed background probe does not', async () => {
    const action = await run(
      experiment({
        method: [js('action', 'behind', 'fail', {}, { background: true }), js('action', 'fine', 'value')],
      }),
      { failOnActionError: true },
    );
    assert.equal(action.journal.status, 'failed');
    const probe = await run(
      experiment({
        method: [js('probe', 'behind', 'fail', {}, { background: true }), js('action', 'fine', 'value')],
      }),
      { failOnActionError: true },
    );
    assert.equal(probe.journal.status, 'completed');
    const without = await run(
      experiment({
        method: [js('action', 'behind', 'fail', {}, { background: true }), js('action', 'fine', 'value')],
      }),
    );
    assert.equal(without.journal.status, 'completed');
  });
});

describe('statuses after the method', () => {
  test('an aborted run checks no hypothesis after the method', async () => {
    const valid = await validateExperiment(
      experiment({
        'steady-state-hypothesis': { title: 'h', probes: [met()] },
        method: [js('action', 'a', 'value')],
      }),
      fixtures,
    );
    valid.method.push({ ref: 'missing' } as never);
    const journal = await startExperiment(valid, {
      log: recordingLog(),
      ledger: noLedger,
      baseDirectory: fixtures,
    }).journal;
    assert.equal(journal.status, 'aborted');
    assert.notEqual(journal.steady_states.before, null);
    assert.equal(journal.steady_states.after, null);
  });

  test('a probe that fails to run after the method: failed and deviated', async () => {
    const { journal } = await run(
      experiment({
        'steady-state-hypothesis': {
          title: 'h',
          probes: [js('probe', 'broken', 'fail', {}, { tolerance: true })],
        },
      }),
      { hypothesisStrategy: 'after-method-only' },
    );
    assert.deepEqual([journal.status, journal.deviated], ['failed', true]);
  });

  test('a rollback that cannot run ends the rollbacks, not the run: no interruption', async () => {
    const valid = await validateExperiment(
      experiment({ rollbacks: [js('action', 'first', 'value')] }),
      fixtures,
    );
    (valid.rollbacks as unknown[]).push({ ref: 'missing' }, js('action', 'after it', 'value'));
    const log = recordingLog();
    const journal = await startExperiment(valid, { log, ledger: noLedger, baseDirectory: fixtures }).journal;
    assert.equal(journal.status, 'completed');
    assert.deepEqual(names(journal.rollbacks), ['first']);
    assert.equal(
      log.lines.some((line) => line.startsWith('critical:')),
      false,
      log.lines.join('\n'),
    );
  });
});

describe('time limits and interruptions', () => {
  test('--max-duration is in seconds: a run well inside it completes', async () => {
    const { journal } = await run(experiment({ method: [js('action', 'a', 'wait', { ms: 50 })] }), {
      maxDuration: 30,
    });
    assert.equal(journal.status, 'completed');
  });

  test('--max-duration names itself as the reason of the interruption, and tells the caller', async () => {
    let told = 0;
    const { journal } = await run(experiment({ method: [js('action', 'long', 'wait', { ms: 30_000 })] }), {
      maxDuration: 0.05,
      onTimeLimit: () => {
        told += 1;
      },
    });
    assert.equal(journal.status, 'interrupted');
    assert.equal(journal.interruption, 'the run took longer than --max-duration 0.05s');
    assert.equal(told, 1);
  });

  test('an interruption during the rollbacks stops them: interrupted, the rest not played', async () => {
    const { running, log } = await start(
      experiment({
        method: [js('action', 'a', 'value')],
        rollbacks: [js('action', 'slow undo', 'wait', { ms: 30_000 }), js('action', 'never played', 'value')],
      }),
    );
    const waiting = setInterval(() => {
      if (log.lines.includes('info: Rollback: slow undo')) {
        clearInterval(waiting);
        running.interrupt('SIGTERM signal received');
      }
    }, 5);
    assert.deepEqual(running.ownProcesses(), [], 'no Python activity, so no interpreter of its own');
    const journal = await running.journal;
    clearInterval(waiting);
    assert.equal(journal.status, 'interrupted');
    assert.equal(journal.interruption, 'SIGTERM signal received');
    assert.deepEqual(names(journal.rollbacks), ['slow undo']);
    assert.ok(
      log.lines.includes('critical: Rollbacks interrupted: the remaining ones were not played'),
      log.lines.join('\n'),
    );
  });

  test('background rollbacks run alongside the next ones and are waited for', async () => {
    const { journal } = await run(
      experiment({
        rollbacks: [
          js('action', 'behind', 'wait', { ms: 300 }, { background: true }),
          js('action', 'quick', 'value'),
        ],
      }),
      { rollbackStrategy: 'always' },
    );
    const ends = Object.fromEntries(
      journal.rollbacks.map((entry) => [entry.activity.name, Date.parse(String(entry.end))]),
    );
    assert.deepEqual(names(journal.rollbacks), ['behind', 'quick']);
    assert.ok(ends.quick! < ends.behind!, 'quick ended while behind was still waiting');
  });

  test('entries are listed in declared order, though a paused background activity starts last', async () => {
    const late = { background: true, pauses: { before: 0.2 } };
    const { journal } = await run(
      experiment({
        method: [
          js('action', 'first', 'value'),
          js('action', 'behind', 'value', {}, late),
          js('action', 'also behind', 'value', {}, late),
          js('action', 'quick', 'value'),
        ],
        rollbacks: [js('action', 'undo behind', 'value', {}, late), js('action', 'undo', 'value')],
      }),
      { rollbackStrategy: 'always' },
    );
    assert.deepEqual(names(journal.run), ['first', 'behind', 'also behind', 'quick']);
    assert.deepEqual(names(journal.rollbacks), ['undo behind', 'undo']);
    const started = (name: string) =>
      Date.parse(String(journal.run.find((entry) => entry.activity.name === name)?.start));
    assert.ok(started('quick') < started('behind'), 'the background ones started after quick');
  });

  test('no interruption recorded for a run that was not interrupted', async () => {
    const { journal } = await run(experiment({ method: [js('action', 'a', 'value')] }));
    assert.equal('interruption' in journal, false);
  });
});

describe('the journal', () => {
  test('keeps the experiment as written, with its title substituted', async () => {
    const { journal } = await run(
      experiment({
        title: 'drill ${zone}',
        description: 'as written',
        configuration: { zone: 'eu-1' },
      }),
    );
    assert.equal(journal.experiment.title, 'drill eu-1');
    assert.equal(journal.experiment.description, 'as written');
  });
});

describe('configuration values that are probes, by provider', () => {
  const server = http.createServer((_request, response) => {
    response.setHeader('Content-Type', 'application/json');
    response.end('{"region":"eu-1"}');
  });
  const listening = once(server.listen(0, '127.0.0.1'), 'listening');
  after(() => server.close());

  const shown = async (configuration: Record<string, unknown>) => {
    const { journal, log } = await run(
      experiment({ configuration, method: [js('action', 'show', 'context')] }),
    );
    return {
      log,
      configuration: (journal.run[0]!.output as { configuration: Record<string, unknown> }).configuration,
    };
  };

  test('process: the trimmed stdout of a zero exit; another exit drops the key', async () => {
    const { configuration } = await shown({
      said: {
        type: 'probe',
        name: 'say',
        provider: { type: 'process', path: 'echo', arguments: '  hello  ' },
      },
      refused: { type: 'probe', name: 'no', provider: { type: 'process', path: 'false' } },
    });
    assert.equal(configuration.said, 'hello');
    assert.equal(Object.hasOwn(configuration, 'refused'), false);
  });

  test('a process that exits non-zero is named in a warning with its status and the last three lines of its stderr, if any', async () => {
    const { configuration, log } = await shown({
      silent: { type: 'probe', name: 'quiet', provider: { type: 'process', path: 'false' } },
      blank: {
        type: 'probe',
        name: 'blank line',
        provider: { type: 'process', path: 'sh', arguments: ['-c', 'echo >&2; exit 2'] },
      },
      chatty: {
        type: 'probe',
        name: 'loud',
        provider: {
          type: 'process',
          path: 'sh',
          arguments: ['-c', 'printf "one\\ntwo\\nthree\\nfour\\n" >&2; exit 4'],
        },
      },
    });
    assert.deepEqual(Object.keys(configuration), []);
    assert.deepEqual(
      log.lines.filter((line) => line.startsWith('warning:')),
      [
        'warning: Some of the dynamic configuration failed to be loaded: silent (process exited with status 1)',
        'warning: Some of the dynamic configuration failed to be loaded: blank (process exited with status 2)',
        'warning: Some of the dynamic configuration failed to be loaded: chatty (process exited with status 4: two | three | four)',
      ],
    );
  });

  test('http: the body of the response', async () => {
    await listening;
    const port = (server.address() as AddressInfo).port;
    const { configuration } = await shown({
      region: {
        type: 'probe',
        name: 'ask',
        provider: { type: 'http', url: `http://127.0.0.1:${port}/` },
      },
    });
    assert.deepEqual(configuration.region, { region: 'eu-1' });
  });

  test('objects that are not probes stay as they are', async () => {
    const action = { type: 'action', name: 'x', provider: { type: 'process', path: 'true' } };
    const bare = { type: 'probe', name: 'y', provider: 'not an object' };
    const { configuration } = await shown({ action, bare, plain: 'text' });
    assert.deepEqual(configuration.action, action);
    assert.deepEqual(configuration.bare, bare);
    assert.equal(configuration.plain, 'text');
  });

  test('a probe that throws drops its key with a warning naming it', async () => {
    const { configuration, log } = await shown({
      broken: {
        type: 'probe',
        name: 'b',
        provider: js('probe', 'b', 'fail', { message: 'no vault' }).provider,
      },
    });
    assert.equal(Object.hasOwn(configuration, 'broken'), false);
    assert.ok(
      log.lines.some((line) =>
        /^warning: Dynamic configuration broken could not be loaded: .*no vault/.test(line),
      ),
      log.lines.join('\n'),
    );
  });
});

describe('halts and exit signals', () => {
  /** Calls `act` once the log has the line (bounded polling: the run under test writes it soon). */
  function whenLogged(log: { lines: string[] }, line: string, act: () => void) {
    const started = Date.now();
    const polling = setInterval(() => {
      if (log.lines.includes(line) || Date.now() - started > 20_000) {
        clearInterval(polling);
        act();
      }
    }, 5);
  }
  const longMethod = (extra: object = {}) =>
    experiment({
      method: [js('action', 'long', 'wait', { ms: 30_000 })],
      rollbacks: [js('action', 'undo', 'value')],
      ...extra,
    });

  test('a halt (playRollbacks) interrupts the method and plays the rollbacks even under "deviated"', async () => {
    const { running, log } = await start(longMethod(), { rollbackStrategy: 'deviated' });
    whenLogged(log, 'info: Action: long', () =>
      running.interrupt('halted by the operator', { playRollbacks: true }),
    );
    const journal = await running.journal;
    assert.deepEqual(
      [journal.status, journal.interruption, names(journal.rollbacks)],
      ['interrupted', 'halted by the operator', ['undo']],
    );
  });

  test('a halt plays no rollbacks under "never"; a plain interruption plays none under "deviated"', async () => {
    const never = await start(longMethod(), { rollbackStrategy: 'never' });
    whenLogged(never.log, 'info: Action: long', () =>
      never.running.interrupt('halt', { playRollbacks: true }),
    );
    const deviated = await start(longMethod(), { rollbackStrategy: 'deviated' });
    whenLogged(deviated.log, 'info: Action: long', () => deviated.running.interrupt('stop'));
    const journals = [await never.running.journal, await deviated.running.journal];
    assert.deepEqual(
      journals.map((journal) => [journal.status, names(journal.rollbacks)]),
      [
        ['interrupted', []],
        ['interrupted', []],
      ],
    );
  });

  test('a halt during the rollbacks lets them go on', async () => {
    const { running, log } = await start(
      experiment({
        rollbacks: [js('action', 'slow undo', 'wait', { ms: 200 }), js('action', 'next undo', 'value')],
      }),
    );
    whenLogged(log, 'info: Rollback: slow undo', () => running.interrupt('halt', { playRollbacks: true }));
    const journal = await running.journal;
    assert.deepEqual(
      [journal.status, 'interruption' in journal, names(journal.rollbacks)],
      ['completed', false, ['slow undo', 'next undo']],
    );
  });

  test('SIGUSR2 (exit_ungracefully): interrupted, no rollback whatever the strategy, background activities failed', async () => {
    const { running, log } = await start(
      experiment({
        method: [
          js('action', 'behind', 'wait', { ms: 30_000 }, { background: true }),
          js('action', 'long', 'wait', { ms: 30_000 }),
        ],
        rollbacks: [js('action', 'undo', 'value')],
      }),
      { rollbackStrategy: 'always' },
    );
    whenLogged(log, 'info: Action: long', () => process.emit('SIGUSR2', 'SIGUSR2'));
    const journal = await running.journal;
    assert.deepEqual(
      [journal.status, journal.interruption, names(journal.rollbacks)],
      ['interrupted', 'SIGUSR2 received (exit_ungracefully, SystemExit 30): no rollback plays', []],
    );
    assert.ok(
      log.lines.includes('warning: Received an exit signal (SIGUSR2): leaving without applying rollbacks.'),
      log.lines.join('\n'),
    );
    const said = log.lines.indexOf('warning: Received the exit signal: 30');
    assert.deepEqual(log.lines.slice(said, said + 3), [
      'warning: Received the exit signal: 30',
      'warning: Ignoring rollbacks as per signal',
      'critical: Experiment interrupted: SIGUSR2 received (exit_ungracefully, SystemExit 30): no rollback plays',
    ]);
    const behind = journal.run.find((entry) => entry.activity.name === 'behind');
    assert.equal(behind?.status, 'failed');
    assert.equal(process.listenerCount('SIGUSR2'), 0, 'the run stops listening when it ends');
  });

  test('SIGUSR1 (exit_gracefully): the method stops, background activities are waited for, rollbacks per the strategy', async () => {
    const { running, log } = await start(
      experiment({
        method: [
          js('action', 'behind', 'wait', { ms: 300 }, { background: true }),
          js('action', 'long', 'wait', { ms: 30_000 }),
        ],
        rollbacks: [js('action', 'undo', 'value')],
      }),
      { rollbackStrategy: 'always' },
    );
    whenLogged(log, 'info: Action: long', () => process.emit('SIGUSR1', 'SIGUSR1'));
    const journal = await running.journal;
    assert.deepEqual(
      [journal.status, journal.interruption, names(journal.rollbacks)],
      [
        'interrupted',
        'SIGUSR1 received (exit_gracefully, SystemExit 20): rollbacks play per the strategy',
        ['undo'],
      ],
    );
    assert.ok(log.lines.includes('warning: Received the exit signal: 20'), log.lines.join('\n'));
    assert.equal(log.lines.includes('warning: Ignoring rollbacks as per signal'), false);
    const behind = journal.run.find((entry) => entry.activity.name === 'behind');
    assert.equal(behind?.status, 'succeeded', 'the background action ran to its end');
    assert.equal(process.listenerCount('SIGUSR1'), 0, 'the run stops listening when it ends');
  });
});
