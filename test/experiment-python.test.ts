import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { InvalidActivity } from '../src/experiment/errors.js';
import { InvalidSource, loadExperiment } from '../src/experiment/load.js';
import { callPython, type PythonCall, PythonFailed } from '../src/experiment/python/call.js';
import type { PythonRuntime } from '../src/experiment/python/interpreter.js';
import { createPythonRuntime } from '../src/experiment/python/interpreter.js';
import { silentLog } from '../src/experiment/console.js';
import { noLedger } from '../src/experiment/ledger.js';
import { startExperiment } from '../src/experiment/run.js';
import { validateExperiment } from '../src/experiment/validate.js';
import type { Experiment } from '../src/model/experiment.js';
import { experiment, fixtures, run } from './experiment-helpers.js';
import { runCli, tempDirectory } from './helpers.js';

process.env.PYTHONDONTWRITEBYTECODE = '1';

const MODULE = 'faultline_python_fixture';

const output = async (runtime: PythonRuntime, call: PythonCall) => (await callPython(runtime, call)).output;

function python(type: 'probe' | 'action', name: string, func: string, args: object = {}, extra: object = {}) {
  return { type, name, provider: { type: 'python', module: MODULE, func, arguments: args }, ...extra };
}

function gone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

describe('one Python interpreter per run', () => {
  test('a module-global counter counts across the run, so the hypothesis deviates under continuously', async () => {
    const journal = await run(
      experiment({
        'steady-state-hypothesis': {
          title: 'counted once',
          probes: [python('probe', 'count', 'count', {}, { tolerance: 1 })],
        },
        method: [python('action', 'wait', 'wait', { seconds: 0.5 })],
      }),
      { hypothesisStrategy: 'continuously', hypothesisFrequency: 0.1 },
    );
    const counts = [
      journal.steady_states.before!,
      ...journal.steady_states.during,
      journal.steady_states.after!,
    ].map((state) => state.probes[0]!.output);
    assert.ok(journal.steady_states.during.length >= 1, 'the hypothesis was checked during the method');
    assert.deepEqual(
      counts,
      counts.map((_, index) => index + 1),
    );
    assert.equal(journal.steady_states.before!.steady_state_met, true);
    assert.equal(journal.steady_states.after!.steady_state_met, false);
    assert.equal(journal.deviated, true);
    assert.equal(journal.status, 'completed');
  });

  test('one interpreter serves 50 Python probes, and it is stopped when the run ends', async () => {
    const journal = await run(
      experiment({
        method: Array.from({ length: 50 }, (_, index) => python('probe', `pid ${index}`, 'pid')),
      }),
    );
    const pids = new Set(journal.run.map((entry) => entry.output));
    assert.equal(journal.run.length, 50);
    assert.deepEqual(
      journal.run.map((entry) => entry.status),
      Array(50).fill('succeeded'),
    );
    assert.equal(pids.size, 1);
    const [pid] = pids;
    assert.equal(typeof pid, 'number');
    assert.notEqual(pid, process.pid);
    assert.equal(gone(pid as number), true, `interpreter ${String(pid)} is still alive after the run`);
  });

  test('a background activity shares the interpreter and its module state', async () => {
    const journal = await run(
      experiment({
        method: [
          python('action', 'background count', 'count', {}, { background: true }),
          python('probe', 'pid', 'pid'),
          python('probe', 'background pid', 'pid', {}, { background: true }),
        ],
      }),
    );
    const pids = journal.run
      .filter((entry) => entry.activity.name !== 'background count')
      .map((entry) => entry.output);
    assert.equal(new Set(pids).size, 1);
    assert.equal(journal.run.find((entry) => entry.activity.name === 'background count')!.output, 1);
  });

  test("a crash fails that activity with the interpreter's last words, and a fresh interpreter serves the next", async () => {
    const journal = await run(
      experiment({
        method: [
          python('probe', 'first pid', 'pid'),
          python('action', 'crash', 'crash', { status: 7 }),
          python('probe', 'second pid', 'pid'),
        ],
      }),
    );
    const [first, crashed, second] = journal.run;
    assert.equal(first!.status, 'succeeded');
    assert.equal(crashed!.status, 'failed');
    assert.match(
      crashed!.exception!.at(-1)!,
      new RegExp(
        `ActivityFailed: the Python interpreter \\(pid ${String(first!.output)}\\) exited with status 7`,
      ),
    );
    assert.equal(second!.status, 'succeeded');
    assert.equal(typeof second!.output, 'number');
    assert.notEqual(second!.output, first!.output);
  });

  test('a crash in native code fails the activity with the Python traceback of the crash', async () => {
    const journal = await run(experiment({ method: [python('action', 'segfault', 'segfault')] }));
    const [entry] = journal.run;
    assert.equal(entry!.status, 'failed');
    const message = entry!.exception!.at(-1)!;
    assert.match(
      message,
      /^chaoslib\.exceptions\.ActivityFailed: the Python interpreter \(pid \d+\) was killed by SIGSEGV during the call:\n/,
    );
    assert.match(message, /Fatal Python error: Segmentation fault/);
    assert.match(message, /faultline_python_fixture\.py", line \d+ in segfault/);
  });

  test('an exception fails the activity, and the journal holds the Python traceback of the function', async () => {
    const journal = await run(
      experiment({ method: [python('probe', 'divide', 'divide', { numerator: 1, denominator: 0 })] }),
    );
    const [entry] = journal.run;
    assert.equal(entry!.status, 'failed');
    const exception = entry!.exception!;
    assert.equal(exception[0], 'Traceback (most recent call last):\n');
    assert.match(exception[1]!, /faultline_python_fixture\.py", line \d+, in divide\n/);
    assert.equal(exception.length, 3);
    assert.equal(exception[2], 'chaoslib.exceptions.ActivityFailed: ZeroDivisionError: division by zero\n');
  });

  test("a result holding NaN or Infinity is the activity's output; the call no longer waits forever", async () => {
    const runtime = createPythonRuntime({ cwd: fixtures });
    try {
      assert.deepEqual(await output(runtime, { module: MODULE, func: 'not_a_number', arguments: {} }), {
        ratio: Number.NaN,
        limits: [Infinity, -Infinity],
        text: 'NaN, Infinity',
      });
    } finally {
      await runtime.close();
    }
  });

  test('a call cancelled while it waits behind another never runs', async () => {
    const runtime = createPythonRuntime({ cwd: fixtures });
    try {
      const before = (await output(runtime, { module: MODULE, func: 'count', arguments: {} })) as number;
      const first = output(runtime, { module: MODULE, func: 'wait', arguments: { seconds: 1 } });
      const controller = new AbortController();
      const queued = output(runtime, {
        module: MODULE,
        func: 'count',
        arguments: {},
        signal: controller.signal,
      });
      controller.abort('cut short by the run');
      await assert.rejects(queued, { message: 'cut short by the run' });
      assert.equal(await first, 1, 'the call in progress was not the one cancelled');
      assert.equal(
        await output(runtime, { module: MODULE, func: 'count', arguments: {} }),
        before + 1,
        'the cancelled count never ran',
      );
    } finally {
      await runtime.close();
    }
  });

  test("an exception from the function names its qualified class, chaoslib's InterruptExecution included", async () => {
    const runtime = createPythonRuntime({ cwd: fixtures });
    try {
      await assert.rejects(
        callPython(runtime, { module: MODULE, func: 'interrupt', arguments: { reason: 'stop now' } }),
        (error: Error) =>
          error instanceof PythonFailed &&
          error.exception === 'chaoslib.exceptions.InterruptExecution' &&
          error.message === 'chaoslib.exceptions.InterruptExecution: stop now',
      );
    } finally {
      await runtime.close();
    }
  });

  test('a missing interpreter is a clear error naming it and what to do', async () => {
    const runtime = createPythonRuntime({ cwd: fixtures, executable: '/nonexistent/python3' });
    await assert.rejects(
      callPython(runtime, { module: MODULE, func: 'pid', arguments: {} }),
      (error: Error) =>
        error instanceof InvalidActivity &&
        error.message.startsWith(
          '/nonexistent/python3 is not installed, and this experiment has Python activities: install python3',
        ),
    );
    await runtime.close();
  });

  test('environment variables set after the interpreter started reach later activities', async () => {
    const name = `FAULTLINE_PYTHON_TEST_${process.pid}`;
    const runtime = createPythonRuntime({ cwd: fixtures });
    try {
      const call = () => output(runtime, { module: MODULE, func: 'environment', arguments: { name } });
      assert.equal(await call(), null);
      process.env[name] = 'set later';
      assert.equal(await call(), 'set later');
      assert.equal(runtime.started, 1);
    } finally {
      delete process.env[name];
      await runtime.close();
    }
  });

  test("chaoslib.exit and chaoslib.exceptions come from faultline's shim exactly when chaostoolkit-lib is not installed", async () => {
    const installed =
      spawnSync('python3', [
        '-c',
        'import importlib.util, sys; sys.exit(importlib.util.find_spec("chaoslib") is None)',
      ]).status === 0;
    const runtime = createPythonRuntime({ cwd: fixtures });
    try {
      assert.equal(await output(runtime, { module: MODULE, func: 'uses_shim', arguments: {} }), !installed);
    } finally {
      await runtime.close();
    }
  });
});

describe('exit signals (chaoslib.exit)', () => {
  const exitingExperiment = (graceful: boolean, linger: number) =>
    experiment({
      method: [
        python(
          'probe',
          'exit after 1s',
          'exit_after',
          { seconds: 1, graceful, linger },
          { background: true },
        ),
        python('action', 'long wait', 'wait', { seconds: 60 }),
      ],
      rollbacks: [python('action', 'undo', 'count')],
    });

  test('exit_ungracefully() from a background probe interrupts the run, and no rollback plays even under "always"', async () => {
    const started = performance.now();
    const journal = await run(exitingExperiment(false, 30), { rollbackStrategy: 'always' });
    assert.equal(journal.status, 'interrupted');
    assert.equal(
      journal.interruption,
      'SIGUSR2 received (exit_ungracefully, SystemExit 30): no rollback plays',
      'the journal says why',
    );
    assert.deepEqual(journal.rollbacks, []);
    const wait = journal.run.find((entry) => entry.activity.name === 'long wait')!;
    assert.equal(wait.status, undefined, 'the interrupted activity has no status, as in chaoslib');
    const background = journal.run.find((entry) => entry.activity.name === 'exit after 1s')!;
    assert.equal(background.status, 'failed', 'a background activity still running is not waited for');
    assert.equal(
      background.exception!.at(-1),
      'chaoslib.exceptions.ExperimentExitedException: the run exited ungracefully (SIGUSR2) while this background activity ran\n',
    );
    assert.ok(performance.now() - started < 50_000, 'the 60 s activity was interrupted');
  });

  test('exit_gracefully() interrupts the run, waits for background activities, and rollbacks play per the strategy', async () => {
    const always = await run(exitingExperiment(true, 1), { rollbackStrategy: 'always' });
    assert.equal(always.status, 'interrupted');
    assert.equal(
      always.interruption,
      'SIGUSR1 received (exit_gracefully, SystemExit 20): rollbacks play per the strategy',
    );
    assert.deepEqual(
      always.run.map((entry) => [entry.activity.name, entry.status, entry.output]),
      [
        ['exit after 1s', 'succeeded', 'signalled'],
        ['long wait', undefined, null],
      ],
    );
    assert.deepEqual(
      always.rollbacks.map((entry) => [entry.activity.name, entry.status]),
      [['undo', 'succeeded']],
    );
    const byDefault = await run(exitingExperiment(true, 0));
    assert.equal(byDefault.status, 'interrupted');
    assert.deepEqual(byDefault.rollbacks, [], 'the default strategy plays no rollback after an interruption');
  });

  test('exit_gracefully() as the last act of the only background activity interrupts the run, every time', async () => {
    // Its reply used to reach the runner before the signal did: the method ended, and so did the
    // run, "completed". Ten runs in a row, each one interrupted, and the CLI exits 1 for it.
    const lastAct = experiment({
      method: [
        python('action', 'exit at once', 'exit_after', { seconds: 0, graceful: true }, { background: true }),
      ],
    });
    for (let attempt = 1; attempt <= 10; attempt += 1) {
      const journal = await run(lastAct);
      assert.equal(journal.status, 'interrupted', `run ${attempt}`);
      assert.equal(
        journal.interruption,
        'SIGUSR1 received (exit_gracefully, SystemExit 20): rollbacks play per the strategy',
      );
      assert.deepEqual(
        journal.run.map((entry) => [entry.activity.name, entry.status, entry.output]),
        [['exit at once', 'succeeded', 'signalled']],
      );
    }
    const directory = tempDirectory('exit-last-act');
    const source = join(directory, 'experiment.json');
    writeFileSync(source, JSON.stringify(lastAct));
    const cli = await runCli(
      [
        'run',
        source,
        '--journal-path',
        join(directory, 'journal.json'),
        '--ledger-dir',
        join(directory, 'ledger'),
      ],
      { PYTHONPATH: fixtures },
    );
    assert.equal(cli.code, 1, cli.stderr);
    assert.match(cli.stderr, /Experiment ended with status: interrupted/);
  });

  test('sys.exit() in a Python activity interrupts the run (SystemExit), as in chaoslib', async () => {
    const journal = await run(
      experiment({
        method: [python('action', 'leave', 'leave', { status: 3 }), python('probe', 'after', 'pid')],
      }),
    );
    assert.equal(journal.status, 'interrupted');
    assert.deepEqual(
      journal.run.map((entry) => [entry.activity.name, entry.status]),
      [['leave', undefined]],
    );
  });

  test('SIGINT that reaches the interpreter (Ctrl-C goes to the process group) does not kill it', async () => {
    const runtime = createPythonRuntime({ cwd: fixtures });
    try {
      const pid = (await output(runtime, { module: MODULE, func: 'pid', arguments: {} })) as number;
      process.kill(pid, 'SIGINT');
      assert.equal(await output(runtime, { module: MODULE, func: 'wait', arguments: { seconds: 0.2 } }), 0.2);
      assert.equal(await output(runtime, { module: MODULE, func: 'pid', arguments: {} }), pid);
      assert.equal(runtime.started, 1);
    } finally {
      await runtime.close();
    }
  });

  test('SIGUSR2 sent to the runner by another process interrupts the run without rollbacks', async () => {
    const journal = await run(
      experiment({
        method: [
          python('probe', 'pid', 'pid'),
          {
            type: 'action',
            name: 'signal the runner',
            provider: { type: 'process', path: 'kill', arguments: ['-USR2', String(process.pid)] },
          },
          python('action', 'long wait', 'wait', { seconds: 60 }),
        ],
        rollbacks: [python('action', 'undo', 'count')],
      }),
      { rollbackStrategy: 'always' },
    );
    assert.equal(journal.status, 'interrupted');
    assert.deepEqual(journal.rollbacks, []);
    assert.equal(process.listenerCount('SIGUSR2'), 0, 'the handler is removed when the run ends');
  });
});

describe('the run looks the function up as chaoslib runs it (getattr), validation as it validates', () => {
  const pick = (func: string, args: object) => ({
    type: 'probe',
    name: 'pick',
    provider: { type: 'python', module: 'random', func, arguments: args },
  });
  // As chaos run --no-validation: straight to the run.
  const runUnvalidated = (value: Experiment, errors: string[] = []) =>
    startExperiment(value, {
      log: {
        ...silentLog,
        error: (message) => errors.push(message),
        critical: (message) => errors.push(message),
      },
      ledger: noLedger,
      baseDirectory: fixtures,
    }).journal;

  test('a bound method such as random.choice is called', async () => {
    const journal = await runUnvalidated(experiment({ method: [pick('choice', { seq: ['only'] })] }));
    assert.equal(journal.status, 'completed');
    assert.equal(journal.run[0]!.status, 'succeeded');
    assert.equal(journal.run[0]!.output, 'only');
  });

  test('an attribute that cannot be called aborts the run, naming it, as a missing function does', async () => {
    const errors: string[] = [];
    const journal = await runUnvalidated(
      experiment({
        method: [
          pick('BPF', {}),
          { type: 'probe', name: 'next', provider: { type: 'process', path: 'true' } },
        ],
      }),
      errors,
    );
    assert.equal(journal.status, 'aborted');
    assert.deepEqual(
      journal.run.map((entry) => [entry.activity.name, entry.status]),
      [['pick', undefined]],
    );
    assert.ok(
      errors.some((message) =>
        message.includes(
          "The python module 'random' does not expose a function called 'BPF' in probe 'pick'",
        ),
      ),
      errors.join('\n'),
    );
  });
});

describe('validation as chaoslib', () => {
  const validate = (activity: object) => validateExperiment(experiment({ method: [activity] }), fixtures);

  test('a bound method such as random.choice is not a function chaoslib accepts', async () => {
    await assert.rejects(
      validate({
        type: 'probe',
        name: 'pick',
        provider: { type: 'python', module: 'random', func: 'choice', arguments: { seq: [1, 2] } },
      }),
      (error: Error) =>
        error instanceof InvalidActivity &&
        error.message ===
          "The python module 'random' does not expose a function called 'choice' in probe 'pick'",
    );
  });

  test('a builtin such as time.time is accepted', async () => {
    await validate({
      type: 'probe',
      name: 'length',
      provider: { type: 'python', module: 'time', func: 'time', arguments: {} },
    });
  });

  test('a keyword argument for a positional-only parameter is refused, without a traceback', async () => {
    await assert.rejects(
      validate(python('probe', 'positional', 'positional_only', { value: 1 })),
      (error: Error) =>
        error instanceof InvalidActivity &&
        error.message ===
          "the arguments of activity 'positional' do not fit the signature of faultline_python_fixture.positional_only(value, /): 'value' parameter is positional only, but was passed as a keyword",
    );
  });

  test("missing and unexpected arguments get chaoslib's messages", async () => {
    await assert.rejects(
      validate(python('probe', 'no seconds', 'wait')),
      (error: Error) =>
        error instanceof InvalidActivity &&
        error.message === "required argument 'seconds' is missing from activity 'wait'",
    );
    await assert.rejects(
      validate(python('probe', 'extra', 'wait', { seconds: 1, minutes: 2 })),
      (error: Error) =>
        error instanceof InvalidActivity &&
        error.message === "argument 'minutes' is not part of the function signature in activity 'wait'",
    );
  });
});

describe('YAML read safely', () => {
  test('a !!python/object tag is refused as unsafe, naming the tag and where it is', async () => {
    const directory = tempDirectory('python-yaml');
    const file = join(directory, 'unsafe.yaml');
    writeFileSync(
      file,
      'title: unsafe\ndescription: d\nmethod:\n  - !!python/object/apply:os.system ["true"]\n',
    );
    await assert.rejects(
      loadExperiment(file),
      (error: Error) =>
        error instanceof InvalidSource &&
        error.message.startsWith(
          "Failed parsing YAML experiment: could not determine a constructor for the tag 'tag:yaml.org,2002:python/object/apply:os.system' at line 4, column 5.",
        ),
    );
  });

  test('a non-standard local tag is refused too, and standard tags are read', async () => {
    const directory = tempDirectory('python-yaml');
    const custom = join(directory, 'custom.yml');
    writeFileSync(custom, 'title: !secret x\n');
    await assert.rejects(
      loadExperiment(custom),
      (error: Error) =>
        error instanceof InvalidSource && /the tag '!secret' at line 1, column 8/.test(error.message),
    );
    const standard = join(directory, 'standard.yml');
    writeFileSync(standard, 'title: !!str 12\n');
    assert.deepEqual(await loadExperiment(standard), { title: '12' });
  });
});
