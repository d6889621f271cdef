import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { silentLog } from '../src/experiment/console.js';
import { InvalidControl } from '../src/experiment/controls/errors.js';
import { checkKeys } from '../src/experiment/key-check.js';
import type { ControlRecord } from '../src/experiment/controls/record.js';
import { InvalidActivity } from '../src/experiment/errors.js';
import type { Journal } from '../src/experiment/journal.js';
import { noLedger } from '../src/experiment/ledger.js';
import { markdownReport } from '../src/experiment/report/markdown.js';
import { timeline } from '../src/experiment/report/timeline.js';
import { startExperiment } from '../src/experiment/run.js';
import { validateExperiment } from '../src/experiment/validate.js';
import type { JsonObject } from '../src/model/experiment.js';
import { experiment, fixtures, js, run } from './experiment-helpers.js';
import { spawnCli, startEchoServer, startHarness } from './helpers.js';

const directories: string[] = [];
after(() => Promise.all(directories.map((path) => rm(path, { recursive: true, force: true }))));

async function temp(): Promise<string> {
  const path = await mkdtemp(join(tmpdir(), 'faultline-controls-'));
  directories.push(path);
  return path;
}

const jsControl = (name: string, args: object = {}, extra: object = {}) => ({
  name,
  provider: { type: 'javascript', module: join(fixtures, 'controls.mjs'), arguments: args },
  ...extra,
});

const pyControl = (name: string, args: object = {}, extra: object = {}) => ({
  name,
  provider: { type: 'python', module: 'pycontrol', arguments: args },
  ...extra,
});

const hooks = (journal: Journal, control?: string) =>
  (journal.controls ?? [])
    .filter((record) => control === undefined || record.control === control)
    .map((record) => `${record.hook}:${record.target}`);

const touch = (name: string, file: string) => ({
  type: 'action',
  name,
  provider: { type: 'process', path: 'touch', arguments: [file] },
});

describe('controls: hooks at every level', () => {
  test('a JavaScript control sees every level in chaoslib order, and each hook is in the journal', async () => {
    const journal = await run(
      experiment({
        'steady-state-hypothesis': {
          title: 'h',
          probes: [js('probe', 'p', 'value', { value: 1 }, { tolerance: 1 })],
        },
        method: [js('action', 'a', 'value', { value: 2 })],
        rollbacks: [js('action', 'r', 'value', { value: 3 })],
        controls: [jsControl('tracer')],
      }),
    );
    assert.equal(journal.status, 'completed');
    assert.deepEqual(hooks(journal), [
      'configure_control:test',
      'before_experiment_control:test',
      'before_hypothesis_control:h',
      'before_activity_control:p',
      'after_activity_control:p',
      'after_hypothesis_control:h',
      'before_method_control:test',
      'before_activity_control:a',
      'after_activity_control:a',
      'after_method_control:test',
      'before_hypothesis_control:h',
      'before_activity_control:p',
      'after_activity_control:p',
      'after_hypothesis_control:h',
      'before_rollback_control:test',
      'before_activity_control:r',
      'after_activity_control:r',
      'after_rollback_control:test',
      'after_experiment_control:test',
      'cleanup_control:test',
    ]);
    assert.deepEqual(
      new Set(journal.controls!.map((record) => `${record.provider} ${record.status}`)),
      new Set(['javascript succeeded']),
    );
    assert.deepEqual(
      timeline(journal)
        .filter((item) => item.phase === 'control')
        .map((item) => item.name),
      journal.controls!.map((record) => `tracer ${record.hook} (${record.target})`),
      "every hook is a row of the report's timeline",
    );
  });

  test('an InterruptExecution thrown in before_activity_control ends the run interrupted with no method activity run', async () => {
    const journal = await run(
      experiment({
        method: [js('action', 'inject', 'set', { key: 'controls-interrupt', value: 'ran' })],
        rollbacks: [js('action', 'undo', 'value', { value: 1 })],
        controls: [jsControl('gate', { stop_before: 'inject' })],
      }),
    );
    assert.equal(journal.status, 'interrupted');
    assert.deepEqual(journal.run, []);
    assert.deepEqual(journal.rollbacks, [], 'the default strategy plays no rollbacks after an interruption');
    const stopped = journal.controls!.find((record) => record.hook === 'before_activity_control');
    assert.equal(stopped?.status, 'interrupted');
    assert.equal(stopped?.message, "the control stops the run before 'inject'");
    const check = await run(
      experiment({ method: [js('probe', 'read', 'get', { key: 'controls-interrupt' })] }),
    );
    assert.equal(check.run[0]!.output, null, 'the interrupted action never ran');
  });

  test('an InterruptExecution from a hook during the continuous hypothesis checks interrupts the method', async () => {
    const journal = await run(
      experiment({
        'steady-state-hypothesis': {
          title: 'h',
          probes: [js('probe', 'p', 'value', { value: 1 }, { tolerance: 1 })],
        },
        method: [js('action', 'long wait', 'wait', { ms: 30_000 })],
        controls: [jsControl('watcher', { stop_at_check: 2, counter: 'continuous' })],
      }),
      { hypothesisStrategy: 'during-method-only', hypothesisFrequency: 0.05 },
    );
    assert.equal(journal.status, 'interrupted');
    assert.equal(journal.run[0]!.output, 'aborted');
    assert.equal(journal.run[0]!.status, undefined);
    assert.equal(journal.steady_states.during.length, 1, 'the second check was stopped by its control');
  });

  test('a TypeScript control module interrupts the run too', async () => {
    const journal = await run(
      experiment({
        method: [
          js('action', 'allowed', 'value', { value: 1 }),
          js('action', 'forbidden', 'value', { value: 2 }),
        ],
        controls: [
          {
            name: 'typed',
            provider: {
              type: 'javascript',
              module: './typed-control.ts',
              arguments: { forbidden: 'forbidden' },
            },
          },
        ],
      }),
    );
    assert.equal(journal.status, 'interrupted');
    assert.deepEqual(
      journal.run.map((entry) => entry.activity.name),
      ['allowed'],
    );
    assert.equal(
      journal.controls!.find((record) => record.status === 'interrupted')?.message,
      "'forbidden' is forbidden by a TypeScript control",
    );
  });

  test('configure_control changes configuration and secrets in place, and later activities see them', async () => {
    const journal = await run(
      experiment({
        method: [
          js('probe', 'greeting', 'value', { value: '${greeting}' }),
          {
            type: 'probe',
            name: 'token',
            provider: {
              type: 'javascript',
              module: './activities.mjs',
              func: 'secretIs',
              arguments: { key: 'token', expected: 'token-for-hello' },
              secrets: ['control'],
            },
          },
          {
            type: 'probe',
            name: 'what the activity sees',
            provider: {
              type: 'javascript',
              module: './activities.mjs',
              func: 'context',
              secrets: ['control'],
            },
          },
        ],
        controls: [jsControl('configurer', { greeting: 'hello' })],
      }),
    );
    assert.deepEqual(
      journal.run.slice(0, 2).map((entry) => entry.output),
      ['hello', true],
    );
    assert.deepEqual(journal.run[2]!.output, {
      configuration: { greeting: 'hello' },
      secrets: { token: '***' },
    });
    assert.ok(!JSON.stringify(journal).includes('token-for-hello'), 'a secret a control added is masked');
  });

  test('scope limits a control to before or after hooks; automatic: false keeps it at the experiment level', async () => {
    const journal = await run(
      experiment({
        method: [js('action', 'a', 'value', { value: 1 })],
        controls: [
          jsControl('before-only', {}, { scope: 'before' }),
          jsControl('manual', {}, { automatic: false }),
        ],
      }),
    );
    assert.deepEqual(hooks(journal, 'before-only'), [
      'configure_control:test',
      'before_experiment_control:test',
      'before_method_control:test',
      'before_activity_control:a',
      'before_rollback_control:test',
      'cleanup_control:test',
    ]);
    assert.deepEqual(hooks(journal, 'manual'), [
      'configure_control:test',
      'before_experiment_control:test',
      'after_experiment_control:test',
      'cleanup_control:test',
    ]);
  });

  test('an activity-level control applies to that activity only, after the top-level automatic ones', async () => {
    const journal = await run(
      experiment({
        method: [
          js('action', 'a', 'value', { value: 1 }, { controls: [jsControl('local')] }),
          js('action', 'b', 'value', { value: 2 }),
        ],
      }),
    );
    assert.deepEqual(hooks(journal), [
      'configure_control:test',
      'before_activity_control:a',
      'after_activity_control:a',
      'cleanup_control:test',
    ]);
  });

  test("global controls come before an activity's own, as chaoslib 1.45 orders them", async () => {
    const journal = await run(
      experiment({
        method: [js('action', 'a', 'value', { value: 1 }, { controls: [jsControl('local')] })],
      }),
      { globalControls: [jsControl('global') as unknown as JsonObject] },
    );
    assert.deepEqual(
      journal
        .controls!.filter((record) => record.level === 'activity')
        .map((record) => `${record.control} ${record.hook}`),
      [
        'global before_activity_control',
        'local before_activity_control',
        'global after_activity_control',
        'local after_activity_control',
      ],
    );
  });

  test('a hypothesis-level control sees the hypothesis hooks, with the result as state', async () => {
    const journal = await run(
      experiment({
        'steady-state-hypothesis': {
          title: 'h',
          probes: [js('probe', 'p', 'value', { value: 1 }, { tolerance: 1 })],
          controls: [jsControl('hyp', { expect_met: true })],
        },
        method: [js('action', 'a', 'value', { value: 1 })],
      }),
      { hypothesisStrategy: 'before-method-only' },
    );
    assert.deepEqual(hooks(journal), [
      'configure_control:test',
      'before_hypothesis_control:h',
      'after_hypothesis_control:h',
      'cleanup_control:test',
    ]);
    assert.deepEqual(
      journal.controls!.map((record) => record.status),
      ['succeeded', 'succeeded', 'succeeded', 'succeeded'],
      'after_hypothesis_control got the result {steady_state_met: true, probes}',
    );
  });

  test('a hook that throws is recorded as failed and the run goes on, as chaos run does', async () => {
    const journal = await run(
      experiment({
        method: [js('action', 'a', 'value', { value: 1 }), js('action', 'b', 'value', { value: 2 })],
        controls: [jsControl('flaky', { fail_after: 'a' })],
      }),
    );
    assert.equal(journal.status, 'completed');
    assert.equal(journal.run.length, 2);
    const failed = journal.controls!.filter((record) => record.status === 'failed');
    assert.deepEqual(
      failed.map((record) => [record.hook, record.target, record.message]),
      [['after_activity_control', 'a', 'Error: after hook broke on succeeded']],
    );
  });
});

describe('controls: validation and loading', () => {
  test('a control with an invalid scope is refused at validation with chaoslib message', async () => {
    await assert.rejects(
      validateExperiment(experiment({ controls: [jsControl('late', {}, { scope: 'post' })] }), fixtures),
      (error: Error) =>
        error instanceof InvalidControl &&
        error.message === `Control 'late' scope property must be 'before' or 'after' only (received "post")`,
    );
    await assert.rejects(
      validateExperiment(experiment({ controls: [{ provider: { type: 'python', module: 'x' } }] }), fixtures),
      (error: Error) =>
        error instanceof InvalidControl && error.message === 'A control must have a `name` property',
    );
    await assert.rejects(
      validateExperiment(
        experiment({ controls: [{ name: 'bare', provider: { type: 'python' } }] }),
        fixtures,
      ),
      (error: Error) =>
        error instanceof InvalidActivity && error.message === "Control 'bare' must have a module path",
    );
    await assert.rejects(
      validateExperiment(experiment({ controls: [jsControl('auto', {}, { automatic: 'no' })] }), fixtures),
      (error: Error) =>
        error instanceof InvalidControl &&
        error.message === `Control 'auto' automatic property must be true or false, received "no"`,
    );
  });

  test("a control's own validate_control refuses it, in JavaScript and in Python", async () => {
    await assert.rejects(
      validateExperiment(experiment({ controls: [jsControl('picky', { refuse: true })] }), fixtures),
      (error: Error) =>
        error instanceof InvalidControl &&
        error.message ===
          "Control 'picky' was refused by its validate_control: Error: refuse is set on control 'picky'",
    );
    await assert.rejects(
      validateExperiment(experiment({ controls: [pyControl('picky-py', { refuse: true })] }), fixtures),
      (error: Error) =>
        error instanceof InvalidControl &&
        error.message ===
          "Control 'picky-py' was refused by its validate_control: ValueError: refuse is set on control 'picky-py'",
    );
  });

  test('a control that cannot be loaded stops the run before anything runs, even without validation', async () => {
    const directory = await temp();
    const marker = join(directory, 'injected');
    const value = experiment({
      method: [touch('inject', marker)],
      controls: [{ name: 'missing', provider: { type: 'python', module: 'no_such_control_module' } }],
    });
    const running = startExperiment(value, { log: silentLog, ledger: noLedger, baseDirectory: directory });
    await assert.rejects(
      running.journal,
      (error: Error) =>
        error instanceof InvalidControl &&
        /^Control 'missing' could not be loaded: Python module 'no_such_control_module' failed to import \(ModuleNotFoundError: No module named 'no_such_control_module'\)/.test(
          error.message,
        ),
    );
    assert.equal(existsSync(marker), false);
    await assert.rejects(
      validateExperiment(
        experiment({
          controls: [{ name: 'gone', provider: { type: 'javascript', module: './no-such-control.mjs' } }],
        }),
        fixtures,
      ),
      (error: Error) =>
        error instanceof InvalidControl &&
        /^Control 'gone' could not be loaded: JavaScript module/.test(error.message),
    );
  });

  test('a control of a provider type nobody runs gets a warning that names it', async () => {
    const seen: string[] = [];
    await validateExperiment(
      experiment({ controls: [{ name: 'shell', provider: { type: 'process', path: 'true' } }] }),
      fixtures,
      { warn: (message) => seen.push(message) },
    );
    assert.deepEqual(seen, [
      "unknown key 'path' in controls[0] ('shell').provider is not read by the runner",
      `Control 'shell' has provider type "process", which neither Chaos Toolkit nor faultline runs: it is ignored (use python or javascript)`,
    ]);
  });
});

describe("controls: Python controls share the run's one interpreter", () => {
  const counted = (name: string) => ({
    type: 'probe',
    name,
    provider: { type: 'python', module: 'pycounter', func: 'counted', arguments: {} },
  });

  test('hooks count in a module global that a Python probe of the same run reads, all in one interpreter pid', async () => {
    const journal = await run(
      experiment({
        method: [counted('first'), counted('second')],
        controls: [{ name: 'counter', provider: { type: 'python', module: 'pycounter' } }],
      }),
    );
    assert.equal(journal.status, 'completed');
    const second = journal.run[1]?.output as { calls: string[]; pids: number[]; pid: number };
    assert.deepEqual(second.calls, [
      'before_activity_control:first',
      'after_activity_control:first',
      'before_activity_control:second',
    ]);
    assert.equal(typeof second.pid, 'number');
    assert.notEqual(second.pid, process.pid);
    assert.deepEqual(
      second.pids,
      [second.pid, second.pid, second.pid],
      "the hooks ran in the probe's interpreter",
    );
    const first = journal.run[0]?.output as { pid: number };
    assert.equal(first.pid, second.pid, 'both probes ran in one interpreter');
  });

  test('in the shared interpreter, a raising hook fails with its Python traceback and sys.exit() interrupts', async () => {
    const journal = await run(
      experiment({
        method: [counted('a'), counted('b'), counted('c')],
        controls: [
          {
            name: 'counter',
            provider: {
              type: 'python',
              module: 'pycounter',
              arguments: { fail_after: 'a', exit_before: 'c' },
            },
          },
        ],
      }),
    );
    assert.equal(journal.status, 'interrupted');
    assert.deepEqual(
      journal.run.map((entry) => [entry.activity.name, entry.status]),
      [
        ['a', 'succeeded'],
        ['b', 'succeeded'],
      ],
    );
    const outcome = (record: ControlRecord) => [record.hook, record.target, record.status, record.message];
    assert.deepEqual(journal.controls!.filter((record) => record.status !== 'succeeded').map(outcome), [
      ['after_activity_control', 'a', 'failed', 'RuntimeError: after hook broke after a'],
      ['before_activity_control', 'c', 'interrupted', 'the control exited (SystemExit 3)'],
    ]);
    const traceback = journal.controls!.find((record) => record.status === 'failed')?.exception ?? [];
    assert.equal(traceback[0], 'Traceback (most recent call last):\n');
    assert.match(traceback[1] ?? '', /pycounter\.py", line \d+, in after_activity_control\n/);
    assert.equal(traceback.at(-1), 'RuntimeError: after hook broke after a\n');
  });

  test('without a Python interpreter, a Python control is refused at validation, saying what to install', async () => {
    const python = process.env.FAULTLINE_PYTHON;
    process.env.FAULTLINE_PYTHON = '/nonexistent/python3';
    try {
      await assert.rejects(
        validateExperiment(experiment({ controls: [pyControl('gate')] }), fixtures),
        (error: Error) =>
          error instanceof InvalidControl &&
          error.message ===
            "/nonexistent/python3 is not installed, and control module 'pycontrol' is a Python module: install python3 (Debian package python3), or write the control as a JavaScript module",
      );
    } finally {
      if (python === undefined) delete process.env.FAULTLINE_PYTHON;
      else process.env.FAULTLINE_PYTHON = python;
    }
  });

  test('a Python safeguard probe is validated in the validation interpreter, still open for controls', async () => {
    const guarded = (func: string) =>
      experiment({
        controls: [
          {
            name: 'safeguard',
            provider: {
              type: 'python',
              module: 'chaosaddons.controls.safeguards',
              arguments: {
                probes: [
                  {
                    name: 'pid',
                    type: 'probe',
                    provider: { type: 'python', module: 'os', func, arguments: {} },
                    tolerance: true,
                  },
                ],
              },
            },
          },
        ],
      });
    await validateExperiment(guarded('getpid'), fixtures);
    await assert.rejects(
      validateExperiment(guarded('no_such_function'), fixtures),
      (error: Error) =>
        error instanceof InvalidActivity &&
        error.message ===
          "The python module 'os' does not expose a function called 'no_such_function' in probe 'pid'",
    );
  });
});

describe('controls: the CLI', () => {
  test('a Python control interrupts in before_activity_control: status interrupted, exit 1, the action never ran', async () => {
    const directory = await temp();
    await copyFile(join(fixtures, 'pycontrol.py'), join(directory, 'pycontrol.py'));
    const marker = join(directory, 'injected');
    const journalPath = join(directory, 'journal.json');
    const path = join(directory, 'experiment.json');
    await writeFile(
      path,
      JSON.stringify(
        experiment({
          method: [
            {
              type: 'probe',
              name: 'greeting',
              provider: {
                type: 'javascript',
                module: join(fixtures, 'activities.mjs'),
                func: 'value',
                arguments: { value: '${greeting}' },
              },
            },
            touch('inject', marker),
          ],
          controls: [pyControl('gate', { greeting: 'from python', stop_before: 'inject' })],
        }),
      ),
    );
    // A HOME of its own, so no ~/.chaostoolkit/settings.yaml on the machine adds global controls.
    const result = await spawnCli(['run', '--journal-path', journalPath, path], { HOME: directory }).done;
    assert.equal(result.code, 1, result.stderr);
    assert.equal(existsSync(marker), false);
    assert.ok(existsSync(journalPath), result.stderr);
    const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as Journal;
    assert.equal(journal.status, 'interrupted');
    assert.deepEqual(
      journal.run.map((entry) => [entry.activity.name, entry.output]),
      [['greeting', 'from python']],
    );
    const stopped = journal.controls!.find((record) => record.status === 'interrupted');
    assert.deepEqual(
      [stopped?.provider, stopped?.hook, stopped?.target, stopped?.message],
      ['python', 'before_activity_control', 'inject', "python control stops the run before 'inject'"],
    );
    assert.equal(journal.controls!.at(-1)?.hook, 'after_experiment_control');
    assert.equal(journal.controls!.at(-1)?.status, 'succeeded');
    assert.match(result.stderr, /Control 'gate' interrupted the run in before_activity_control/);
  });

  test('--settings and --control-file load global controls that apply at every level', async () => {
    const directory = await temp();
    const settings = join(directory, 'settings.yaml');
    await writeFile(
      settings,
      `controls:\n  audit:\n    scop: after\n    provider:\n      type: javascript\n      module: ${join(fixtures, 'controls.mjs')}\nnotifications: []\n`,
    );
    const path = join(directory, 'experiment.json');
    const journalPath = join(directory, 'journal.json');
    await writeFile(
      path,
      JSON.stringify(
        experiment({
          method: [{ type: 'action', name: 'a', provider: { type: 'process', path: 'true' } }],
        }),
      ),
    );
    const result = await spawnCli(['run', '--settings', settings, '--journal-path', journalPath, path]).done;
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /settings key 'notifications' in .* is not acted on by faultline/);
    assert.match(
      result.stderr,
      /unknown key 'scop' in global control 'audit' is not read by the runner; did you mean 'scope'\?/,
    );
    const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as Journal;
    assert.deepEqual(hooks(journal, 'audit'), [
      'configure_control:test',
      'before_experiment_control:test',
      'before_method_control:test',
      'before_activity_control:a',
      'after_activity_control:a',
      'after_method_control:test',
      'before_rollback_control:test',
      'after_rollback_control:test',
      'after_experiment_control:test',
      'cleanup_control:test',
    ]);
    const controlFile = join(directory, 'controls.json');
    await writeFile(
      controlFile,
      JSON.stringify({ extra: { provider: { type: 'javascript', module: join(fixtures, 'controls.mjs') } } }),
    );
    const both = await spawnCli([
      'run',
      '--settings',
      settings,
      '--control-file',
      controlFile,
      '--journal-path',
      journalPath,
      path,
    ]).done;
    assert.equal(both.code, 0, both.stderr);
    const withFile = JSON.parse(readFileSync(journalPath, 'utf8')) as Journal;
    assert.deepEqual(
      withFile
        .controls!.filter((record) => record.hook === 'configure_control')
        .map((record) => record.control),
      ['audit', 'extra'],
      'settings controls first, then the control files in order',
    );
    const missing = await spawnCli(['run', '--settings', join(directory, 'none.yaml'), path]).done;
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /--settings .*none.yaml does not exist/);
  });
});

describe('controls: chaosaddons safeguards, natively', async () => {
  const harness = await startHarness();
  const echo = await startEchoServer();

  const safeguards = (probes: object[]) => ({
    name: 'safeguard',
    provider: { type: 'python', module: 'chaosaddons.controls.safeguards', arguments: { probes } },
  });

  test('a safeguard that fails midway through the method interrupts it at once, and the rollback undoes the toxic', async () => {
    const directory = await temp();
    const trip = join(directory, 'trip');
    const python = process.env.FAULTLINE_PYTHON;
    // No Python at all: the safeguards control must not need it.
    process.env.FAULTLINE_PYTHON = join(directory, 'no-python-here');
    try {
      const journal = await run(
        experiment({
          configuration: { faultline_url: harness.url },
          method: [
            {
              type: 'action',
              name: 'create proxy',
              provider: {
                type: 'faultline',
                module: 'proxies',
                func: 'create',
                arguments: { name: 'guarded', listen: '127.0.0.1:0', upstream: echo.address },
              },
            },
            {
              type: 'action',
              name: 'add latency',
              provider: {
                type: 'faultline',
                module: 'toxics',
                func: 'add',
                arguments: { proxy: 'guarded', name: 'slow', type: 'latency', attributes: { latency: 500 } },
              },
            },
            js('action', 'a step that runs', 'value', { value: 1 }),
            // The trip file is made by the long wait itself once it is waiting: a file made by an
            // action before it could be seen by the safeguard before that action was recorded done.
            js('action', 'long wait', 'wait', { ms: 30_000, mark: trip }),
          ],
          rollbacks: [
            {
              type: 'action',
              name: 'remove latency',
              provider: {
                type: 'faultline',
                module: 'toxics',
                func: 'remove',
                arguments: { proxy: 'guarded', name: 'slow' },
              },
            },
          ],
          controls: [
            safeguards([
              {
                name: 'no trip file',
                type: 'probe',
                provider: { type: 'process', path: 'test', arguments: ['!', '-e', trip] },
                tolerance: 0,
                frequency: 0.1,
              },
            ]),
          ],
        }),
        { rollbackStrategy: 'always', baseDirectory: fixtures },
      );
      assert.equal(journal.status, 'interrupted');
      assert.deepEqual(
        journal.run.map((entry) => [entry.activity.name, entry.status]),
        [
          ['create proxy', 'succeeded'],
          ['add latency', 'succeeded'],
          ['a step that runs', 'succeeded'],
          ['long wait', undefined],
        ],
      );
      assert.equal(journal.run[3]!.output, 'aborted', 'the wait saw its signal abort');
      assert.deepEqual(
        journal.rollbacks.map((entry) => [entry.activity.name, entry.status]),
        [['remove latency', 'succeeded']],
      );
      const toxics = await harness.api('GET', '/proxies/guarded/toxics');
      assert.deepEqual(toxics.json, []);
      const triggered = journal.controls!.filter((record) => record.triggered === true);
      assert.deepEqual(
        triggered.map((record) => [
          record.control,
          record.level,
          record.target,
          record.status,
          record.run?.tolerance_met,
        ]),
        [['safeguard', 'safeguard', 'no trip file', 'interrupted', false]],
      );
    } finally {
      if (python === undefined) delete process.env.FAULTLINE_PYTHON;
      else process.env.FAULTLINE_PYTHON = python;
      await harness.api('DELETE', '/proxies/guarded');
    }
  });

  test('a safeguard ref is checked against its own tolerance, as the addon reads it, and its keys are read', async () => {
    const named = js('probe', 'healthy', 'value', { value: true }, { tolerance: false });
    const source = experiment({
      method: [named],
      controls: [safeguards([{ ref: 'healthy', tolerance: true }])],
    });
    assert.deepEqual(checkKeys(source as unknown as JsonObject).unknown, []);
    const journal = await run(source);
    assert.equal(journal.status, 'completed');
    assert.deepEqual(
      journal
        .controls!.filter((record) => record.level === 'safeguard')
        .map((record) => [record.target, record.status]),
      [['healthy', 'succeeded']],
    );
  });

  test('a pre-check safeguard out of tolerance stops the run before the method', async () => {
    const journal = await run(
      experiment({
        method: [js('action', 'inject', 'set', { key: 'safeguard-precheck', value: 'ran' })],
        controls: [
          safeguards([
            {
              name: 'healthy',
              type: 'probe',
              provider: {
                type: 'javascript',
                module: './activities.mjs',
                func: 'value',
                arguments: { value: false },
              },
              tolerance: true,
            },
          ]),
        ],
      }),
    );
    assert.equal(journal.status, 'interrupted');
    assert.deepEqual(journal.run, []);
    assert.deepEqual(
      journal
        .controls!.filter((record) => record.level === 'safeguard')
        .map((record) => [record.target, record.status, record.triggered]),
      [['healthy', 'interrupted', true]],
    );
    assert.match(
      markdownReport(journal),
      /\| control \| safeguard: healthy \(safeguard\) \| interrupted the run \|/,
      'the report timeline shows the safeguard that ended the run',
    );
  });

  test('with interrupt_after_activity, a failed safeguard interrupts the run after the current activity', async () => {
    const journal = await run(
      experiment({
        method: [js('action', 'first', 'value', { value: 1 }), js('action', 'second', 'value', { value: 2 })],
        controls: [
          {
            name: 'safeguard',
            provider: {
              type: 'python',
              module: 'chaosaddons.controls.safeguards',
              arguments: {
                interrupt_after_activity: true,
                probes: [
                  {
                    name: 'healthy',
                    type: 'probe',
                    provider: {
                      type: 'javascript',
                      module: './activities.mjs',
                      func: 'value',
                      arguments: { value: false },
                    },
                    tolerance: true,
                  },
                ],
              },
            },
          },
        ],
      }),
    );
    assert.equal(journal.status, 'interrupted');
    assert.deepEqual(
      journal.run.map((entry) => [entry.activity.name, entry.status]),
      [['first', 'succeeded']],
    );
    const stop = journal.controls!.find(
      (record) => record.status === 'interrupted' && record.level === 'activity',
    );
    assert.deepEqual(
      [stop?.hook, stop?.target, stop?.message],
      [
        'after_activity_control',
        'first',
        "Interrupting the experiment, after activity 'first', now as per your safeguards decision",
      ],
    );
  });

  test('safeguards refuse an empty probe list and probes without a tolerance at validation', async () => {
    await assert.rejects(
      validateExperiment(experiment({ controls: [safeguards([])] }), fixtures),
      (error: Error) =>
        error instanceof InvalidControl &&
        error.message ===
          "Control 'safeguard' (safeguards) needs a non-empty list of probes in provider.arguments.probes, received []",
    );
    await assert.rejects(
      validateExperiment(
        experiment({
          controls: [safeguards([{ name: 'p', type: 'probe', provider: { type: 'process', path: 'true' } }])],
        }),
        fixtures,
      ),
      (error: Error) =>
        error instanceof InvalidControl &&
        error.message ===
          "safeguard probe 0 of control 'safeguard' ('p') must have a tolerance: it decides when the run is interrupted",
    );
  });
});
