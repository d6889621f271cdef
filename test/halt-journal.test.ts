import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { processState } from '../src/system/processes.js';
import {
  closedPort,
  createProxy,
  runCli,
  spawnCli,
  startHarness,
  tempDirectory,
  waitFor,
} from './helpers.js';

describe('a halted run undoes what its rollbacks left, and its journal says so', () => {
  test('faultline halt from the ledger: the toxic and the pause are undone by the run, not listed as left', async () => {
    const harness = await startHarness();
    await createProxy(harness, 'api', '127.0.0.1:9');
    const sleeper = spawn('sleep', ['60'], { stdio: 'ignore' });
    after(() => sleeper.kill('SIGKILL'));
    const directory = tempDirectory('halt-journal');
    const ledgerDir = join(directory, 'ledger');
    const path = join(directory, 'experiment.json');
    writeFileSync(
      path,
      JSON.stringify({
        title: 'held',
        description: 'no rollbacks: what the method made is left to the halt',
        configuration: { faultline_url: harness.url },
        method: [
          {
            type: 'action',
            name: 'slow',
            provider: {
              type: 'faultline',
              module: 'toxics',
              func: 'add',
              arguments: { proxy: 'api', name: 'slow', type: 'latency', attributes: { latency: 100 } },
            },
          },
          {
            type: 'action',
            name: 'pause',
            provider: {
              type: 'faultline',
              module: 'process',
              func: 'pause',
              arguments: { pid: sleeper.pid },
            },
            pauses: { after: 600 },
          },
        ],
      }),
    );
    const journalPath = join(directory, 'journal.json');
    const run = spawnCli(['run', path, '--journal-path', journalPath, '--ledger-dir', ledgerDir], {
      FAULTLINE_URL: '',
    });
    await waitFor(() => processState(sleeper.pid!) === 'T', 'the run to pause the sleep', 60_000);
    const halt = await runCli(['halt', '--ledger-dir', ledgerDir, '--reason', 'alarm'], {
      FAULTLINE_URL: `http://127.0.0.1:${await closedPort()}`,
    });
    assert.equal(halt.code, 0, halt.stdout + halt.stderr);
    const ran = await run.done;
    const journal = JSON.parse(readFileSync(journalPath, 'utf8'));
    assert.equal(journal.interruption, 'halted by faultline halt (alarm)');
    assert.equal(journal.faults_left, undefined, 'nothing is left in place');
    assert.deepEqual(journal.faults_undone_for_halt, [
      `undone: paused process ${sleeper.pid} (sleep 60)`,
      `undone: added latency toxic slow on api (${harness.url})`,
    ]);
    assert.doesNotMatch(ran.stderr + ran.stdout, /may still be in place/);
    assert.match(ran.stderr + ran.stdout, /Undone for the halt: undone: added latency toxic slow on api/);
    assert.deepEqual((await harness.api('GET', '/proxies/api/toxics')).json, []);
    assert.notEqual(processState(sleeper.pid!), 'T', 'the sleep runs again');
  });

  test('a proxy the run made that someone made again is left in place, and the journal lists it apart', async () => {
    const harness = await startHarness();
    const directory = tempDirectory('halt-journal-left');
    const ledgerDir = join(directory, 'ledger');
    const path = join(directory, 'experiment.json');
    writeFileSync(
      path,
      JSON.stringify({
        title: 'makes a proxy and holds',
        description: 'no rollbacks: the proxy is left to the halt',
        configuration: { faultline_url: harness.url },
        method: [
          {
            type: 'action',
            name: 'make',
            provider: {
              type: 'faultline',
              module: 'proxies',
              func: 'create',
              arguments: { name: 'made', listen: '127.0.0.1:0', upstream: '127.0.0.1:9' },
            },
            pauses: { after: 600 },
          },
        ],
      }),
    );
    const journalPath = join(directory, 'journal.json');
    const run = spawnCli(['run', path, '--journal-path', journalPath, '--ledger-dir', ledgerDir], {
      FAULTLINE_URL: '',
    });
    const recorded = () =>
      existsSync(ledgerDir) &&
      readdirSync(ledgerDir).some((file) => readFileSync(join(ledgerDir, file), 'utf8').includes('"made":'));
    await waitFor(recorded, 'the run to record the proxy it made', 60_000);
    const { listen } = (await harness.api('GET', '/proxies/made')).json as { listen: string };
    await harness.api('DELETE', '/proxies/made');
    await createProxy(harness, 'made', '127.0.0.1:6000', { listen });
    const halt = await runCli(['halt', '--ledger-dir', ledgerDir], {
      FAULTLINE_URL: `http://127.0.0.1:${await closedPort()}`,
    });
    assert.equal(halt.code, 0, halt.stdout + halt.stderr);
    const ran = await run.done;
    const journal = JSON.parse(readFileSync(journalPath, 'utf8'));
    const left = `created proxy made (${harness.url}): proxy made is not the one the run made (upstream 127.0.0.1:6000, was 127.0.0.1:9); delete it yourself if it should go`;
    assert.deepEqual(journal.faults_left_alone_for_halt, [left]);
    assert.equal(journal.faults_undone_for_halt, undefined, 'nothing was undone');
    assert.equal(journal.faults_left, undefined);
    assert.match(
      ran.stderr + ran.stdout,
      /Left in place for the halt, not the run's any more: created proxy made/,
    );
    assert.equal((await harness.api('GET', '/proxies/made')).json.upstream, '127.0.0.1:6000');
  });
});
