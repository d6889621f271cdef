import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { spawnCli, tempDirectory, waitFor } from './helpers.js';

const fixtures = fileURLToPath(new URL('../../test/fixtures/experiment/', import.meta.url));

const sleep = (name: string, seconds: number, background: boolean) => ({
  type: 'action',
  name,
  background,
  provider: { type: 'process', path: 'sleep', arguments: [String(seconds)] },
});

test('SIGTERM while a background and a foreground activity run: the journal says interrupted, no crash', async () => {
  const directory = tempDirectory('interrupt');
  const path = join(directory, 'experiment.json');
  const journalPath = join(directory, 'journal.json');
  await writeFile(
    path,
    JSON.stringify({
      title: 'interrupted with a background activity',
      description: 'd',
      method: [sleep('behind', 41, true), sleep('in front', 43, false)],
    }),
  );
  const run = spawnCli(['run', path, '--journal-path', journalPath]);
  await waitFor(() => run.output().stderr.includes('Action: in front'), 'both activities to start', 20_000);
  process.kill(run.child.pid!, 'SIGTERM');
  const { code, stderr } = await run.done;
  assert.equal(code, 1, stderr);
  assert.doesNotMatch(stderr, /at runControlled|^InterruptExecution/m, 'no crash trace');
  const journal = JSON.parse(await readFile(journalPath, 'utf8'));
  assert.equal(journal.status, 'interrupted');
  assert.equal(journal.interruption, 'SIGTERM signal received');
  assert.deepEqual(journal.run.map((entry: { activity: { name: string } }) => entry.activity.name).sort(), [
    'behind',
    'in front',
  ]);
});

test('SIGTERM stops what the run started but not its Python interpreter: the rollbacks still see its module state', async () => {
  const directory = tempDirectory('interrupt');
  const path = join(directory, 'experiment.json');
  const journalPath = join(directory, 'journal.json');
  const python = (name: string, func: string) => ({
    type: 'action',
    name,
    provider: { type: 'python', module: 'faultline_python_fixture', func },
  });
  await writeFile(
    path,
    JSON.stringify({
      title: 'interrupted with a Python interpreter running',
      description: 'd',
      method: [python('count once', 'count'), python('interpreter', 'pid'), sleep('hold', 45, false)],
      rollbacks: [python('count again', 'count'), python('interpreter after', 'pid')],
    }),
  );
  const run = spawnCli(['run', path, '--journal-path', journalPath, '--rollback-strategy', 'always'], {
    PYTHONPATH: fixtures,
  });
  await waitFor(() => run.output().stderr.includes('Action: hold'), 'the hold to start', 20_000);
  process.kill(run.child.pid!, 'SIGTERM');
  const { code, stderr } = await run.done;
  assert.equal(code, 1, stderr);
  const journal = JSON.parse(await readFile(journalPath, 'utf8'));
  const output = (entries: Array<{ activity: { name: string }; output: unknown }>, name: string) =>
    entries.find((entry) => entry.activity.name === name)?.output;
  assert.equal(journal.status, 'interrupted');
  assert.equal(output(journal.rollbacks, 'count again'), 2, 'the module global survived the interruption');
  assert.equal(output(journal.rollbacks, 'interpreter after'), output(journal.run, 'interpreter'));
});

test('SIGINT while the experiment is validated ends the run at once (exit 130, said aloud) and stops the Python child by its pid', async () => {
  const directory = tempDirectory('interrupt');
  const path = join(directory, 'experiment.json');
  const pidFile = join(directory, 'python.pid');
  await writeFile(
    join(directory, 'slow_import.py'),
    `import os, time\nopen(${JSON.stringify(pidFile)}, "w").write(str(os.getpid()))\ntime.sleep(60)\ndef probe():\n    return 1\n`,
  );
  await writeFile(
    path,
    JSON.stringify({
      title: 'interrupted while validated',
      description: 'd',
      method: [
        { type: 'probe', name: 'p', provider: { type: 'python', module: 'slow_import', func: 'probe' } },
      ],
    }),
  );
  const run = spawnCli(['run', path, '--journal-path', join(directory, 'journal.json')]);
  let pid = 0;
  await waitFor(
    async () => {
      pid = Number(await readFile(pidFile, 'utf8').catch(() => '0'));
      return pid > 0;
    },
    'the Python module to be imported',
    20_000,
  );
  process.kill(run.child.pid!, 'SIGINT');
  const { code, stderr } = await run.done;
  assert.equal(code, 130, stderr);
  assert.match(
    stderr,
    /CRITICAL\] SIGINT received while the experiment was being loaded and validated: nothing ran, no journal is written; stopping\n$/,
  );
  await waitFor(
    () => {
      try {
        process.kill(pid, 0);
        return false;
      } catch {
        return true;
      }
    },
    'the Python interpreter to be gone',
    10_000,
  );
  await assert.rejects(readFile(join(directory, 'journal.json')), { code: 'ENOENT' });
});
