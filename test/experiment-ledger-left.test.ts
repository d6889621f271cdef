import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { createProxy, runCli, startEchoServer, startHarness, tempDirectory } from './helpers.js';

const addToxic = {
  type: 'action',
  name: 'slow down',
  provider: {
    type: 'faultline',
    module: 'toxics',
    func: 'add',
    arguments: { proxy: 'db', name: 'slow', type: 'latency', attributes: { latency: 50 } },
  },
};

const removeToxic = {
  type: 'action',
  name: 'speed up',
  provider: { type: 'faultline', module: 'toxics', func: 'remove', arguments: { proxy: 'db', name: 'slow' } },
};

const toggle = (name: string, func: 'disable' | 'enable') => ({
  type: 'action',
  name,
  provider: { type: 'faultline', module: 'proxies', func, arguments: { name: 'db' } },
});

async function runExperiment(rollbacks: object[], method: object[] = [addToxic]) {
  const harness = await startHarness();
  const echo = await startEchoServer();
  await createProxy(harness, 'db', echo.address);
  const directory = tempDirectory('ledger-left');
  const ledgerDir = join(directory, 'ledger');
  const path = join(directory, 'experiment.json');
  await writeFile(
    path,
    JSON.stringify({
      title: 'a toxic',
      description: 'd',
      configuration: { faultline_url: harness.url },
      method,
      rollbacks,
    }),
  );
  const run = await runCli([
    'run',
    path,
    '--journal-path',
    join(directory, 'journal.json'),
    '--ledger-dir',
    ledgerDir,
  ]);
  const toxics = (await harness.api('GET', '/proxies/db/toxics')).json as Array<{ name: string }>;
  return { run, toxics, ledgerDir, harness };
}

describe('a completed run keeps its ledger exactly while its faults are in place', () => {
  test('no rollbacks: the toxic stays, the run says so, and faultline rollback finds and removes it', async () => {
    const { run, toxics, ledgerDir, harness } = await runExperiment([]);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(
      toxics.map((toxic) => toxic.name),
      ['slow'],
    );
    assert.match(
      run.stderr,
      /1 fault this run injected may still be in place: "faultline rollback" undoes them/,
    );
    assert.equal(readdirSync(ledgerDir).length, 1);
    const rolled = await runCli(['rollback', '--ledger-dir', ledgerDir]);
    assert.equal(rolled.code, 0, rolled.stderr);
    assert.match(rolled.stdout, /undone: added latency toxic slow on db/);
    assert.deepEqual((await harness.api('GET', '/proxies/db/toxics')).json, []);
  });

  test('a rollback that removes the toxic settles it: no ledger is left and nothing is reported', async () => {
    const { run, toxics, ledgerDir } = await runExperiment([removeToxic]);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(toxics, []);
    assert.doesNotMatch(run.stderr, /may still be in place/);
    assert.deepEqual(readdirSync(ledgerDir), []);
  });

  test('a rollback that enables the proxy the method disabled settles it; the disable alone is kept', async () => {
    const restored = await runExperiment([toggle('enable', 'enable')], [toggle('disable', 'disable')]);
    assert.equal(restored.run.code, 0, restored.run.stderr);
    assert.equal((await restored.harness.api('GET', '/proxies/db')).json.enabled, true);
    assert.doesNotMatch(restored.run.stderr, /may still be in place/);
    assert.deepEqual(readdirSync(restored.ledgerDir), []);

    const left = await runExperiment([], [toggle('disable', 'disable'), toggle('disable again', 'disable')]);
    assert.match(left.run.stderr, /1 fault this run injected may still be in place/);
    const rolled = await runCli(['rollback', '--ledger-dir', left.ledgerDir]);
    assert.equal(rolled.code, 0, rolled.stderr);
    assert.equal((await left.harness.api('GET', '/proxies/db')).json.enabled, true);
  });
});
