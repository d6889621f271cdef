import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { createProxy, runCli, startHarness, tempDirectory } from './helpers.js';

describe("a run's faults_left lists only what may still be in place", () => {
  test('a toxic a rollback removed another way (a process calling the API) is not listed as left', async () => {
    const harness = await startHarness();
    await createProxy(harness, 'db', '127.0.0.1:9');
    const directory = tempDirectory('faults-left');
    const ledgerDir = join(directory, 'ledger');
    const path = join(directory, 'experiment.json');
    const removeByHand = `fetch('${harness.url}/proxies/db/toxics/slow', { method: 'DELETE' }).then((r) => process.exit(r.status === 204 ? 0 : 1))`;
    writeFileSync(
      path,
      JSON.stringify({
        title: 'curl rollback',
        description: 'the rollback is not a faultline action, as with curl in chaos experiments',
        configuration: { faultline_url: harness.url },
        method: [
          {
            type: 'action',
            name: 'slow',
            provider: {
              type: 'faultline',
              module: 'toxics',
              func: 'add',
              arguments: { proxy: 'db', name: 'slow', type: 'latency', attributes: { latency: 100 } },
            },
          },
        ],
        rollbacks: [
          {
            type: 'action',
            name: 'remove it through the API',
            provider: { type: 'process', path: process.execPath, arguments: ['-e', removeByHand] },
          },
        ],
      }),
    );
    const journalPath = join(directory, 'journal.json');
    const run = await runCli(['run', path, '--journal-path', journalPath, '--ledger-dir', ledgerDir]);
    assert.equal(run.code, 0, run.stderr);
    const journal = JSON.parse(readFileSync(journalPath, 'utf8'));
    assert.equal(journal.rollbacks[0].status, 'succeeded');
    assert.deepEqual((await harness.api('GET', '/proxies/db/toxics')).json, [], 'the rollback removed it');
    assert.equal(journal.faults_left, undefined, 'nothing is left in place');
    assert.doesNotMatch(run.stderr, /may still be in place/);
    assert.match(run.stderr, /Already gone, so not left in place: added latency toxic slow on db/);
    assert.deepEqual(readdirSync(ledgerDir), [], 'no ledger is kept');
  });
});
