import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { silentLog } from '../src/experiment/console.js';
import { noLedger } from '../src/experiment/ledger.js';
import { startExperiment } from '../src/experiment/run.js';
import { validateExperiment } from '../src/experiment/validate.js';
import { experiment, fixtures } from './experiment-helpers.js';
import { tempDirectory } from './helpers.js';

/**
 * Only chaostoolkit-toxiproxy's (and chaostoolkit-prometheus's) Python modules are run natively.
 * faultline's own module names (toxics, proxies, load, process, ...) are short words a user's
 * Python module may well have: a "type": "python" activity on one must call that module.
 */
test("a user's Python module named like a faultline module (toxics, load) is called, not faultline's", async () => {
  const directory = tempDirectory('python-module-names');
  await writeFile(join(directory, 'toxics.py'), 'def list(proxy):\n    return "mine: " + proxy\n');
  await writeFile(join(directory, 'load.py'), 'def run(url):\n    return "loaded " + url\n');
  const python = (module: string, func: string, args: object) => ({
    type: 'probe',
    name: module,
    provider: { type: 'python', module, func, arguments: args },
  });
  const valid = await validateExperiment(
    experiment({
      method: [python('toxics', 'list', { proxy: 'db' }), python('load', 'run', { url: 'http://x' })],
    }),
    directory,
  );
  const journal = await startExperiment(valid, { log: silentLog, ledger: noLedger, baseDirectory: directory })
    .journal;
  assert.deepEqual(
    journal.run.map((entry) => [entry.status, entry.output]),
    [
      ['succeeded', 'mine: db'],
      ['succeeded', 'loaded http://x'],
    ],
  );
});

test('a chaostoxi module faultline does not run is refused naming the ones it runs, not "No module named chaostoxi"', async () => {
  const python = (name: string, module: string) => ({
    type: 'action',
    name,
    provider: {
      type: 'python',
      module,
      func: 'create_latency_toxic',
      arguments: { for_proxy: 'db', toxic_name: 'slow', latency: 5 },
    },
  });
  // The second is the extension's name before 0.1.0, which its README's example still uses.
  await assert.rejects(
    validateExperiment(
      experiment({
        method: [python('typo', 'chaostoxi.toxic.action'), python('old', 'toxiproxy.toxic.actions')],
      }),
      fixtures,
    ),
    (error: Error) => {
      assert.match(
        error.message,
        /could not find Python module 'chaostoxi\.toxic\.action' in activity 'typo' \(.*\); faultline runs chaostoolkit-toxiproxy's chaostoxi\.proxy\.actions, chaostoxi\.proxy\.probes and chaostoxi\.toxic\.actions itself: did you mean 'chaostoxi\.toxic\.actions'\?/,
      );
      assert.match(
        error.message,
        /could not find Python module 'toxiproxy\.toxic\.actions' in activity 'old' \(.*\); faultline runs .* itself: did you mean 'chaostoxi\.toxic\.actions'\?/,
      );
      return true;
    },
  );
});
