import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { silentLog } from '../src/experiment/console.js';
import { noLedger } from '../src/experiment/ledger.js';
import { startExperiment } from '../src/experiment/run.js';
import { validateExperiment } from '../src/experiment/validate.js';
import { experiment, fixtures, run } from './experiment-helpers.js';
import { tempDirectory } from './helpers.js';

process.env.PYTHONDONTWRITEBYTECODE = '1';

const activity = (name: string, module: string, func: string, args: object = {}) => ({
  type: 'probe',
  name,
  provider: { type: 'python', module, func, arguments: args },
});

describe('Python extensions that import chaoslib and logzero, without chaostoolkit-lib installed', () => {
  test('chaoslib.types, chaoslib.substitute and logzero.logger load and work', async () => {
    const lines: string[] = [];
    const journal = await run(
      experiment({
        configuration: { who: 'world' },
        method: [activity('greet', 'faultline_ext_fixture', 'greet', { name: 'bob' })],
      }),
      { log: { ...silentLog, output: (text) => lines.push(text) } },
    );
    assert.equal(journal.status, 'completed');
    assert.deepEqual(
      journal.run.map((entry) => [entry.status, entry.output]),
      [['succeeded', 'hello world from ${place} and bob']],
    );
    assert.match(lines.join(''), /INFO\] greeting bob$/m);
  });

  test('a module whose own import fails is refused with the real cause', async () => {
    await assert.rejects(
      validateExperiment(
        experiment({ method: [activity('broken', 'faultline_broken_import', 'probe')] }),
        fixtures,
      ),
      {
        message:
          "could not find Python module 'faultline_broken_import' in activity 'broken' (ModuleNotFoundError: No module named 'chaoslib.provider')",
      },
    );
  });

  test('a module missing at run time (no validation) aborts the run and skips the rest, as chaoslib', async () => {
    const journal = await startExperiment(
      experiment({
        method: [
          activity('missing', 'faultline_no_such_module', 'probe'),
          activity('next', 'faultline_python_fixture', 'count'),
        ],
      }),
      { log: silentLog, ledger: noLedger, baseDirectory: fixtures },
    ).journal;
    assert.equal(journal.status, 'aborted');
    assert.deepEqual(
      journal.run.map((entry) => entry.activity.name),
      ['missing'],
    );
  });
});

describe("Python runs in the caller's working directory, as chaos run", () => {
  test('os.getcwd() is the working directory, not the experiment file folder', async () => {
    const journal = await run(experiment({ method: [activity('where', 'os', 'getcwd')] }));
    assert.deepEqual(
      journal.run.map((entry) => [entry.status, entry.output]),
      [['succeeded', process.cwd()]],
    );
    assert.notEqual(process.cwd(), fixtures.replace(/\/$/, ''));
  });

  test("a module in the working directory is found, and the experiment's folder still is", async () => {
    const directory = tempDirectory('pycwd');
    await writeFile(join(directory, 'faultline_cwd_module.py'), 'def here():\n    return "cwd module"\n');
    const previous = process.cwd();
    process.chdir(directory);
    try {
      const journal = await run(
        experiment({
          method: [
            activity('cwd', 'faultline_cwd_module', 'here'),
            activity('beside', 'faultline_python_fixture', 'count'),
          ],
        }),
      );
      assert.deepEqual(
        journal.run.map((entry) => [entry.activity.name, entry.status]),
        [
          ['cwd', 'succeeded'],
          ['beside', 'succeeded'],
        ],
      );
      assert.equal(journal.run[0]!.output, 'cwd module');
    } finally {
      process.chdir(previous);
    }
  });

  test('a module that is nowhere is refused naming the working directory and PYTHONPATH', async () => {
    await assert.rejects(
      validateExperiment(experiment({ method: [activity('gone', 'faultline_nowhere_x', 'f')] }), fixtures),
      {
        message: `could not find Python module 'faultline_nowhere_x' in activity 'gone' (working directory ${process.cwd()}; install it, or add its folder to PYTHONPATH)`,
      },
    );
  });
});
