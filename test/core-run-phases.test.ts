import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { chaosInterruptionLines, exitReason } from '../src/experiment/exit-signals.js';
import { noLedger } from '../src/experiment/ledger.js';
import { startExperiment } from '../src/experiment/run.js';
import { experiment, fixtures, js, names } from './experiment-helpers.js';
import {
  prepared,
  recordingLog,
  scriptedActivity,
  scriptedPython,
  startRun,
  whenLogged,
} from './run-helpers.js';

// The run's phases past the method: the rollbacks' endings, the after-experiment hook, the
// cleanup on a crash, and the run's own Python interpreter (a scripted stand-in here).

const phaseControl = (args: Record<string, unknown>) => ({
  name: 'phases',
  provider: { type: 'javascript', module: './phase-control.mjs', arguments: args },
});

const scratch = mkdtempSync(join(tmpdir(), 'faultline-run-phases-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

describe('an interruption from outside the run', () => {
  test('stops the background activities of the method too: none keeps a status', async () => {
    const valid = await prepared(
      experiment({
        method: [
          js('action', 'behind', 'wait', { ms: 30_000 }, { background: true }),
          js('action', 'long', 'wait', { ms: 30_000 }),
        ],
      }),
    );
    const { log, running } = startRun(valid);
    whenLogged(log, 'info: Action: long', () => running.interrupt('stopped by the caller'));
    const journal = await running.journal;
    assert.deepEqual(
      [journal.status, journal.interruption, names(journal.run)],
      ['interrupted', 'stopped by the caller', ['behind', 'long']],
    );
    assert.deepEqual(
      journal.run.map((entry) => 'status' in entry),
      [false, false],
    );
  });
  test('interrupts a method of background activities only: interrupted, not completed', async () => {
    const valid = await prepared(
      experiment({
        method: [js('action', 'behind', 'wait', { ms: 30_000 }, { background: true })],
        rollbacks: [js('action', 'undo', 'value')],
      }),
    );
    const { log, running } = startRun(valid);
    whenLogged(log, 'info: Action: behind', () => running.interrupt('stopped by the caller'));
    const journal = await running.journal;
    assert.deepEqual(
      [journal.status, journal.interruption, names(journal.rollbacks)],
      ['interrupted', 'stopped by the caller', []],
    );
    assert.ok(
      log.lines.includes('critical: Experiment interrupted: stopped by the caller'),
      log.lines.join('\n'),
    );
  });
  test('an error after the interruption is reported as the interruption, not as an abort', async () => {
    // The method's hook is still running when the interruption comes; then the missing ref fails.
    const valid = await prepared(experiment({ controls: [phaseControl({ hold_ms: 1000 })] }), {
      method: [{ ref: 'missing' }],
    });
    const { log, running } = startRun(valid);
    whenLogged(log, "info: Playing your experiment's method now...", () =>
      running.interrupt('stopped by the caller'),
    );
    const journal = await running.journal;
    assert.deepEqual([journal.status, journal.interruption], ['interrupted', 'stopped by the caller']);
  });
});

describe('rollback strategies after a deviation or an abort', () => {
  const deviating = (probe: object) =>
    experiment({
      'steady-state-hypothesis': { title: 'h', probes: [probe] },
      rollbacks: [js('action', 'undo', 'value')],
    });
  const missed = js('probe', 'p', 'value', { value: 2 }, { tolerance: 1 });
  const broken = js('probe', 'p', 'fail', {}, { tolerance: true });
  const outcome = async (probe: object, rollbackStrategy: 'default' | 'never' | 'deviated') => {
    const { running } = startRun(await prepared(deviating(probe)), {
      hypothesisStrategy: 'after-method-only',
      rollbackStrategy,
    });
    const journal = await running.journal;
    return [journal.status, journal.deviated, names(journal.rollbacks)];
  };

  test('deviated plays them after a deviation; never does not', async () => {
    assert.deepEqual(await outcome(missed, 'deviated'), ['completed', true, ['undo']]);
    assert.deepEqual(await outcome(missed, 'never'), ['completed', true, []]);
  });

  test('default plays none after a deviation whose probe could not run (failed)', async () => {
    assert.deepEqual(await outcome(broken, 'default'), ['failed', true, []]);
  });

  test('default plays them after an aborted run', async () => {
    const valid = await prepared(experiment({ rollbacks: [js('action', 'undo', 'value')] }), {
      method: [{ ref: 'missing' }],
    });
    const { running } = startRun(valid);
    const journal = await running.journal;
    assert.deepEqual([journal.status, names(journal.rollbacks)], ['aborted', ['undo']]);
  });
});

describe('the rollbacks end early', () => {
  test('a control interrupting before a rollback: interrupted, the rest not played, background ones waited for', async () => {
    const valid = await prepared(
      experiment({
        method: [js('action', 'a', 'value')],
        rollbacks: [
          js('action', 'behind', 'wait', { ms: 400 }, { background: true }),
          js('action', 'stopped', 'value'),
          js('action', 'never played', 'value'),
        ],
        controls: [phaseControl({ stop_before: 'stopped' })],
      }),
    );
    const { log, running } = startRun(valid);
    const journal = await running.journal;
    assert.deepEqual(
      [journal.status, journal.interruption, names(journal.rollbacks)],
      ['interrupted', 'the rollbacks were interrupted', ['behind']],
    );
    assert.equal(
      journal.rollbacks[0]!.status,
      'succeeded',
      'the background rollback ended before the run did',
    );
    assert.deepEqual(log.lines.slice(-3), [
      "critical: Control 'phases' interrupted the run in before_activity_control: the control stops the run before 'stopped'",
      'critical: Rollbacks interrupted: the remaining ones were not played',
      'info: Experiment ended with status: interrupted',
    ]);
  });

  test('InterruptExecution in after_rollback_control: interrupted, every rollback played', async () => {
    const valid = await prepared(
      experiment({
        rollbacks: [js('action', 'undo', 'value'), js('action', 'undo more', 'value')],
        controls: [phaseControl({ interrupt_after_rollbacks: true })],
      }),
    );
    const { log, running } = startRun(valid);
    const journal = await running.journal;
    assert.deepEqual(
      [journal.status, journal.interruption, names(journal.rollbacks)],
      ['interrupted', 'the rollbacks were interrupted', ['undo', 'undo more']],
    );
    assert.equal(log.lines.at(-1), 'info: Experiment ended with status: interrupted');
  });

  test('a rollback whose Python module is missing aborts the rollbacks and a completed run (chaos crashes, exit 1)', async () => {
    const scripted = scriptedPython((request) =>
      request.func === 'gone' ? { invalid: "No module named 'faultline_scripted'" } : { output: 'undone' },
    );
    const valid = await prepared(experiment({ rollbacks: [js('action', 'first', 'value')] }), {
      rollbacks: [
        scriptedActivity('action', 'missing module', 'gone'),
        scriptedActivity('action', 'not reached', 'undo'),
      ],
    });
    const { log, running } = startRun(valid, { python: scripted.runtime });
    const journal = await running.journal;
    assert.deepEqual(
      [journal.status, 'interruption' in journal, names(journal.rollbacks)],
      ['aborted', false, ['first', 'missing module']],
    );
    assert.deepEqual(log.lines.slice(-2), [
      "error: Rollbacks aborted: No module named 'faultline_scripted'; the remaining rollbacks are not played and the run is aborted (chaos run crashes here, with no journal)",
      'info: Experiment ended with status: aborted',
    ]);
    assert.deepEqual(
      scripted.requests.map((request) => request.func),
      ['gone'],
    );
  });

  test('rollbacks aborted after a failed run leave it failed: only a completed run becomes aborted', async () => {
    const scripted = scriptedPython(() => ({ invalid: "No module named 'faultline_scripted'" }));
    const valid = await prepared(
      experiment({
        'steady-state-hypothesis': {
          title: 'h',
          probes: [js('probe', 'p', 'fail', {}, { tolerance: true })],
        },
      }),
      { rollbacks: [scriptedActivity('action', 'missing module', 'gone')] },
    );
    const { log, running } = startRun(valid, {
      python: scripted.runtime,
      rollbackStrategy: 'always',
      hypothesisStrategy: 'after-method-only',
    });
    const journal = await running.journal;
    assert.deepEqual([journal.status, names(journal.rollbacks)], ['failed', ['missing module']]);
    assert.match(log.lines.join('\n'), /error: Rollbacks aborted: No module named 'faultline_scripted'/);
  });

  test('a rollback that crashes the runner rejects the run, after the controls were cleaned up', async () => {
    const mark = join(scratch, 'crash-cleanup');
    const valid = await prepared(experiment({ controls: [phaseControl({ cleanup_mark: mark })] }), {
      rollbacks: [{ type: 'action', name: 'no such provider', provider: { type: 'carrier-pigeon' } }],
    });
    const { running } = startRun(valid, { rollbackStrategy: 'always' });
    await assert.rejects(running.journal, TypeError);
    assert.equal(readFileSync(mark, 'utf8'), 'cleaned up');
  });
});

describe('after the rollbacks', () => {
  test('InterruptExecution in after_experiment_control comes too late: the status stays, a warning says so', async () => {
    const mark = join(scratch, 'late-cleanup');
    const valid = await prepared(
      experiment({
        method: [js('action', 'a', 'value')],
        controls: [phaseControl({ interrupt_at_end: true, cleanup_mark: mark })],
      }),
    );
    const { log, running } = startRun(valid);
    const journal = await running.journal;
    assert.deepEqual([journal.status, 'interruption' in journal], ['completed', false]);
    assert.deepEqual(log.lines.slice(-2), [
      "warning: InterruptExecution in after_experiment_control comes after the run ended: the status stays 'completed', as in chaos run (too late to interrupt)",
      'info: Experiment ended with status: completed',
    ]);
    assert.equal(readFileSync(mark, 'utf8'), 'cleaned up');
  });
});

describe("the run's Python interpreter", () => {
  test("is the one given, reported as the run's own process, and closed once when the run ends", async () => {
    const scripted = scriptedPython(() => ({ output: 'done' }), 4242);
    const valid = await prepared(experiment({}), { method: [scriptedActivity('action', 'py', 'act')] });
    const { running } = startRun(valid, { python: scripted.runtime });
    assert.deepEqual(running.ownProcesses(), [4242]);
    const journal = await running.journal;
    assert.deepEqual(
      [journal.status, journal.run[0]!.output, scripted.closed, scripted.listening],
      ['completed', 'done', 1, 0],
    );
  });

  test("without one given, a Python interpreter started in the experiment's directory: what it prints reaches the log, secrets hidden", async () => {
    const valid = await prepared(
      experiment({
        secrets: { vault: { token: 'printed-s3cret' } },
        method: [
          {
            type: 'action',
            name: 'chatter',
            provider: {
              type: 'python',
              module: 'faultline_python_fixture',
              func: 'chatter',
              secrets: ['vault'],
            },
          },
        ],
      }),
    );
    const { log, running } = startRun(valid);
    const journal = await running.journal;
    assert.deepEqual([journal.status, journal.run[0]!.output], ['completed', 'chatted']);
    const printed = log.printed.join('');
    assert.match(printed, /^token is \*\*\*$/m);
    assert.doesNotMatch(printed, /printed-s3cret/);
  });

  test('a log without output: what Python prints is left out and the run goes on', async () => {
    const valid = await prepared(
      experiment({
        method: [
          {
            type: 'action',
            name: 'chatter',
            provider: { type: 'python', module: 'faultline_python_fixture', func: 'chatter' },
          },
        ],
      }),
    );
    const { info, warning, error, critical, progress } = recordingLog();
    const withoutOutput = { info, warning, error, critical, progress };
    const journal = await startExperiment(valid, {
      log: withoutOutput,
      ledger: noLedger,
      baseDirectory: fixtures,
    }).journal;
    assert.deepEqual([journal.status, journal.run[0]!.output], ['completed', 'chatted']);
  });

  test('exit_ungracefully() in a Python call: interrupted and no rollback, whatever the strategy', async () => {
    const scripted = scriptedPython((request) => {
      if (request.func === 'leave') scripted.exit('SIGUSR2');
      return { exit: 30 };
    });
    const valid = await prepared(experiment({ rollbacks: [js('action', 'undo', 'value')] }), {
      method: [scriptedActivity('action', 'leave', 'leave'), js('action', 'not reached', 'value')],
    });
    const { log, running } = startRun(valid, { python: scripted.runtime, rollbackStrategy: 'always' });
    const journal = await running.journal;
    assert.deepEqual(
      [journal.status, names(journal.run), names(journal.rollbacks)],
      ['interrupted', ['leave'], []],
    );
    assert.equal(
      journal.interruption,
      'SIGUSR2 received (exit_ungracefully, SystemExit 30): no rollback plays',
    );
    assert.ok(
      log.lines.includes('warning: Received an exit signal (SIGUSR2): leaving without applying rollbacks.'),
      log.lines.join('\n'),
    );
  });
});

describe("chaoslib's lines for an interruption", () => {
  test('Ctrl-C, the exit signals and sys.exit() are said as chaoslib says them; other reasons add nothing', () => {
    assert.deepEqual(chaosInterruptionLines('SIGINT signal received'), [
      'Received a termination signal (Ctrl-C)...',
    ]);
    assert.deepEqual(chaosInterruptionLines(exitReason('SIGUSR1')), ['Received the exit signal: 20']);
    assert.deepEqual(chaosInterruptionLines(exitReason('SIGUSR2')), [
      'Received the exit signal: 30',
      'Ignoring rollbacks as per signal',
    ]);
    assert.deepEqual(chaosInterruptionLines('SystemExit(3) raised in Python'), [
      'Received the exit signal: 3',
    ]);
    assert.deepEqual(chaosInterruptionLines('SIGTERM signal received'), []);
    assert.deepEqual(chaosInterruptionLines('stopped by the caller'), []);
  });
});

describe('a safeguard that trips', () => {
  const latch = (type: 'probe' | 'action', name: string, func: string, args: object, extra: object = {}) => ({
    type,
    name,
    provider: { type: 'javascript', module: './latch.mjs', func, arguments: args },
    ...extra,
  });
  const safeguard = (key: string) => ({
    name: 'guard',
    provider: {
      type: 'python',
      module: 'chaosaddons.controls.safeguards',
      arguments: {
        probes: [
          latch(
            'probe',
            'tripwire',
            'waitFor',
            { key, ms: 20_000 },
            { background: true, tolerance: 'not raised' },
          ),
        ],
      },
    },
  });

  test('during the method: the run is interrupted at once, with the safeguard as the reason', async () => {
    const valid = await prepared(
      experiment({
        method: [
          latch('action', 'trip', 'raise', { key: 'in-method' }),
          js('action', 'long', 'wait', { ms: 10_000 }),
        ],
        controls: [safeguard('in-method')],
      }),
    );
    const { log, running } = startRun(valid);
    const journal = await running.journal;
    assert.deepEqual(
      [journal.status, journal.interruption, names(journal.run)],
      [
        'interrupted',
        "Safeguard 'tripwire' (control 'guard') triggered the end of the experiment",
        ['trip', 'long'],
      ],
    );
    assert.deepEqual(
      log.lines.filter((line) => line.startsWith('warning:')),
      [],
    );
  });

  test('during the rollbacks: they go on, and a warning says so', async () => {
    const valid = await prepared(
      experiment({
        rollbacks: [
          latch('action', 'trip', 'raise', { key: 'in-rollbacks' }),
          latch('action', 'linger', 'waitFor', { key: 'never raised', ms: 1500 }),
        ],
        controls: [safeguard('in-rollbacks')],
      }),
    );
    const { log, running } = startRun(valid);
    const journal = await running.journal;
    assert.deepEqual(
      [journal.status, 'interruption' in journal, names(journal.rollbacks)],
      ['completed', false, ['trip', 'linger']],
    );
    assert.ok(
      log.lines.includes(
        "warning: Safeguard 'tripwire' is out of tolerance while the rollbacks play: they are not interrupted",
      ),
      log.lines.join('\n'),
    );
  });
});
