import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { type RunLog, silentLog } from '../src/experiment/console.js';
import { applyChanges, changesBetween } from '../src/experiment/controls/changes.js';
import { loadExperimentWithControls } from '../src/experiment/controls/loader.js';
import type { Journal } from '../src/experiment/journal.js';
import { noLedger } from '../src/experiment/ledger.js';
import { createPythonRuntime } from '../src/experiment/python/interpreter.js';
import { timeline } from '../src/experiment/report/timeline.js';
import { startExperiment } from '../src/experiment/run.js';
import { validateExperiment } from '../src/experiment/validate.js';
import { experiment, fixtures, js, names, run } from './experiment-helpers.js';
import { spawnCli } from './helpers.js';

const directories: string[] = [];
after(() => Promise.all(directories.map((path) => rm(path, { recursive: true, force: true }))));

async function temp(): Promise<string> {
  const path = await mkdtemp(join(tmpdir(), 'faultline-control-changes-'));
  directories.push(path);
  return path;
}

const outputs = (journal: Journal) => journal.run.map((entry) => entry.output);

describe('controls change what chaoslib hands them by reference, and the run uses it', () => {
  const method = [
    js('probe', 'reads configuration', 'value', { value: '${from_control}' }),
    js('probe', 'edited', 'value', { value: 'as written' }),
    js('probe', 'annotated', 'value', { value: 1 }),
  ];

  test('Python hooks: configuration, secrets, the activity about to run, the method, a run entry', async () => {
    const journal = await run(
      experiment({
        configuration: { from_control: 'as written' },
        method: [
          ...method,
          {
            type: 'probe',
            name: 'reads the secret',
            provider: {
              type: 'javascript',
              module: './activities.mjs',
              func: 'secretIs',
              arguments: { key: 'token', expected: 'secret-from-python-control' },
              secrets: ['added'],
            },
          },
        ],
        controls: [{ name: 'mutate', provider: { type: 'python', module: 'pymutate' } }],
      }),
    );
    assert.equal(journal.status, 'completed');
    assert.deepEqual(outputs(journal), [
      'set in before_experiment_control',
      'edited by before_activity_control',
      { was: 1, annotated_by: 'pymutate' },
      true,
      'appended',
    ]);
    assert.equal(names(journal.run).at(-1), 'appended by before_method_control');
    assert.deepEqual(
      journal.run[1]!.activity.provider,
      {
        type: 'javascript',
        module: './activities.mjs',
        func: 'value',
        arguments: { value: 'edited by before_activity_control' },
      },
      'the journal records the activity as the control left it, as chaoslib copies it after the hook',
    );
    assert.ok(
      !JSON.stringify(journal).includes('secret-from-python-control'),
      'a secret a Python control added is masked',
    );
  });

  test('JavaScript hooks: the same, and the hypothesis and rollbacks; a change made before a hook throws stays', async () => {
    const journal = await run(
      experiment({
        configuration: { from_control: 'as written', settings_seen: 'as written' },
        'steady-state-hypothesis': {
          title: 'the tolerance the control sets',
          probes: [js('probe', 'checked', 'value', { value: 'changed' }, { tolerance: 'as written' })],
        },
        method: [...method, js('probe', 'settings seen', 'value', { value: '${settings_seen}' })],
        rollbacks: [js('action', 'undo', 'value', { value: 'as written' })],
        controls: [
          {
            name: 'mutate',
            provider: {
              type: 'javascript',
              module: join(fixtures, 'mutate-control.mjs'),
              arguments: { fail: true },
            },
          },
        ],
      }),
      { rollbackStrategy: 'always', settings: { controls: {} } },
    );
    assert.equal(journal.steady_states.before?.steady_state_met, true);
    assert.equal(journal.steady_states.after?.steady_state_met, true);
    assert.deepEqual(outputs(journal), [
      'set by a JavaScript control',
      'edited by a JavaScript control',
      { was: 1, annotated_by: 'mutate-control' },
      'none',
    ]);
    assert.deepEqual(
      journal.rollbacks.map((entry) => entry.output),
      ['rolled back as the control said'],
    );
    const failed = journal.controls!.find((record) => record.status === 'failed');
    assert.deepEqual(
      [failed?.hook, failed?.message],
      ['before_rollback_control', 'Error: the control failed after its change'],
    );
  });
});

describe('after_experiment_control', () => {
  test('InterruptExecution there leaves the status as it is, as chaoslib swallows it, with a warning', async () => {
    const warnings: string[] = [];
    const journal = await run(
      experiment({
        method: [js('probe', 'p', 'value', { value: 1 })],
        controls: [
          {
            name: 'late',
            provider: {
              type: 'javascript',
              module: join(fixtures, 'mutate-control.mjs'),
              arguments: { interrupt_at_end: true },
            },
          },
        ],
      }),
      { log: { ...silentLog, warning: (message) => warnings.push(message) } },
    );
    assert.equal(journal.status, 'completed');
    assert.equal(journal.interruption, undefined);
    assert.deepEqual(
      journal.controls!.filter((record) => record.status !== 'succeeded').map((record) => record.hook),
      ['after_experiment_control'],
    );
    assert.deepEqual(warnings, [
      "InterruptExecution in after_experiment_control comes after the run ended: the status stays 'completed', as in chaos run (too late to interrupt)",
    ]);
  });
});

describe("changes: only what a hook changed is applied to the run's objects", () => {
  test('a change made meanwhile by the run is kept, and arrays keep their identity', () => {
    const handed = { run: [{ name: 'a', status: 'succeeded' }], title: 't', gone: 1 };
    const left = { run: [{ name: 'a', status: 'succeeded', note: 'added' }, { name: 'b' }], title: 't' };
    const changes = changesBetween(structuredClone(handed), left);
    assert.deepEqual(changes, [
      { path: ['gone'], delete: true },
      { path: ['run'], value: [{ name: 'a', status: 'succeeded', note: 'added' }, { name: 'b' }] },
    ]);
    const live = { ...handed, run: handed.run, title: 'changed by the run meanwhile' };
    const list = live.run;
    applyChanges(live, changes);
    assert.equal(live.run, list, "the run's reference to the list still sees it");
    assert.deepEqual(live, {
      run: [{ name: 'a', status: 'succeeded', note: 'added' }, { name: 'b' }],
      title: 'changed by the run meanwhile',
    });
  });

  test('nested changes touch only their leaf; a path the run no longer has is skipped', () => {
    const live = { provider: { arguments: { value: 1, other: 2 } } };
    const inner = live.provider.arguments;
    applyChanges(live, [
      { path: ['provider', 'arguments', 'value'], value: 3 },
      { path: ['missing', 'deeper'], value: 4 },
    ]);
    assert.equal(live.provider.arguments, inner);
    assert.deepEqual(live, { provider: { arguments: { value: 3, other: 2 } } });
  });
});

describe('loader controls: before_ and after_loading_experiment_control of global controls', () => {
  test('a JavaScript global control changes the experiment it loaded; the run uses it and the journal lists the hooks', async () => {
    const directory = await temp();
    const path = join(directory, 'experiment.json');
    await writeFile(
      path,
      JSON.stringify(experiment({ method: [js('probe', 'written', 'value', { value: 1 })] })),
    );
    const globals = [
      {
        name: 'loader',
        provider: {
          type: 'javascript',
          module: join(fixtures, 'loader-control.mjs'),
          arguments: { tag: 'tagged-by-loader' },
        },
      },
    ];
    const python = createPythonRuntime({ cwd: fixtures });
    const loaded = await loadExperimentWithControls(path, {
      globals,
      settings: null,
      baseDirectory: fixtures,
      python,
      log: silentLog,
    });
    const valid = await validateExperiment(loaded.document, fixtures, { globalControls: globals });
    const journal = await startExperiment(valid, {
      log: silentLog,
      ledger: noLedger,
      baseDirectory: fixtures,
      globalControls: globals,
      python,
      loaderControls: loaded.controls,
    }).journal;
    assert.equal(journal.status, 'completed');
    assert.deepEqual(names(journal.run), ['written', 'added for experiment.json']);
    assert.deepEqual(outputs(journal), [1, 'tagged-by-loader']);
    assert.deepEqual(journal.experiment.tags, ['tagged-by-loader']);
    assert.deepEqual(
      journal
        .controls!.slice(0, 2)
        .map((record) => [record.level, record.hook, record.target, record.status]),
      [
        ['loader', 'before_loading_experiment_control', path, 'succeeded'],
        ['loader', 'after_loading_experiment_control', path, 'succeeded'],
      ],
    );
    assert.deepEqual(
      timeline(journal)
        .filter((item) => item.phase === 'control')
        .slice(0, 2)
        .map((item) => [item.name, item.kind]),
      [
        [`loader before_loading_experiment_control (${path})`, 'javascript control'],
        [`loader after_loading_experiment_control (${path})`, 'javascript control'],
      ],
      "the report's timeline shows the loader hooks first",
    );
  });

  test("a file's own control with loader hooks is told they run for global controls only", async () => {
    const warnings: string[] = [];
    const log: RunLog = { ...silentLog, warning: (message) => warnings.push(message) };
    await run(
      experiment({ controls: [{ name: 'misplaced', provider: { type: 'python', module: 'pyloader' } }] }),
      { log },
    );
    assert.deepEqual(warnings, [
      "Control 'misplaced' has before_loading_experiment_control and after_loading_experiment_control, which chaos run calls for global controls only (the file is not loaded yet when they run): declare it in the settings file or a --control-file for them to run",
    ]);
  });

  test('chaos run --settings: a Python loader control changes the experiment, in the interpreter the run uses', async () => {
    const directory = await temp();
    await copyFile(join(fixtures, 'pyloader.py'), join(directory, 'pyloader.py'));
    const settings = join(directory, 'settings.yaml');
    await writeFile(
      settings,
      'controls:\n  loader:\n    provider:\n      type: python\n      module: pyloader\n',
    );
    const path = join(directory, 'experiment.json');
    const journalPath = join(directory, 'journal.json');
    await writeFile(path, JSON.stringify(experiment({ title: 'as written' })));
    const result = await spawnCli(['run', '--settings', settings, '--journal-path', journalPath, path]).done;
    assert.equal(result.code, 0, result.stderr);
    const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as Journal;
    assert.equal(journal.experiment.title, 'renamed by the loader control');
    assert.deepEqual(names(journal.run), ['added by the loader control']);
    assert.deepEqual(
      journal.run[0]!.output,
      [
        ['before', path, []],
        ['after', path, 'as written'],
        ['activity', 'added by the loader control'],
      ],
      "the probe reads the hooks' module global: one interpreter from loading to the end",
    );
    assert.deepEqual(
      journal.controls!.filter((record) => record.level === 'loader').map((record) => record.hook),
      ['before_loading_experiment_control', 'after_loading_experiment_control'],
    );
  });

  test('InterruptExecution in before_loading_experiment_control stops before anything runs; the after hook still sees None', async () => {
    const directory = await temp();
    await copyFile(join(fixtures, 'pyloader.py'), join(directory, 'pyloader.py'));
    const marker = join(directory, 'injected');
    const afterMarker = join(directory, 'after-hook-state');
    const settings = join(directory, 'settings.yaml');
    await writeFile(
      settings,
      `controls:\n  loader:\n    provider:\n      type: python\n      module: pyloader\n      arguments:\n        stop: true\n        after_marker: ${afterMarker}\n`,
    );
    const path = join(directory, 'experiment.json');
    const journalPath = join(directory, 'journal.json');
    await writeFile(
      path,
      JSON.stringify(
        experiment({
          method: [
            {
              type: 'action',
              name: 'inject',
              provider: { type: 'process', path: 'touch', arguments: [marker] },
            },
          ],
        }),
      ),
    );
    const result = await spawnCli(['run', '--settings', settings, '--journal-path', journalPath, path]).done;
    assert.equal(result.code, 1, result.stderr);
    assert.match(
      result.stderr,
      /Control 'loader' interrupted the run in before_loading_experiment_control: loading .*experiment\.json is not allowed/,
    );
    assert.equal(existsSync(marker), false, 'the method never ran');
    assert.equal(existsSync(journalPath), false, 'chaos run writes no journal when loading is interrupted');
    assert.equal(readFileSync(afterMarker, 'utf8'), 'None');
  });

  test('a global control from the settings file that cannot be loaded stops the run before the file is even read', async () => {
    const directory = await temp();
    const marker = join(directory, 'injected');
    const settings = join(directory, 'settings.yaml');
    await writeFile(
      settings,
      'controls:\n  guard:\n    provider:\n      type: python\n      module: no_such_global_control\n',
    );
    const path = join(directory, 'experiment.json');
    await writeFile(
      path,
      JSON.stringify(
        experiment({
          method: [
            {
              type: 'action',
              name: 'inject',
              provider: { type: 'process', path: 'touch', arguments: [marker] },
            },
          ],
        }),
      ),
    );
    const result = await spawnCli([
      'run',
      '--settings',
      settings,
      '--journal-path',
      join(directory, 'j.json'),
      path,
    ]).done;
    assert.equal(result.code, 1, result.stderr);
    assert.match(
      result.stderr,
      /Control 'guard' could not be loaded: Python module 'no_such_global_control' failed to import \(ModuleNotFoundError: No module named 'no_such_global_control'\)/,
    );
    assert.equal(existsSync(marker), false);
  });
});
