import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { silentLog } from '../src/experiment/console.js';
import { noLedger } from '../src/experiment/ledger.js';
import { startExperiment } from '../src/experiment/run.js';
import { validateExperiment } from '../src/experiment/validate.js';
import { experiment, fixtures, run } from './experiment-helpers.js';

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
