import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { openLedger } from '../src/experiment/ledger.js';
import { identify, processState } from '../src/system/processes.js';
import { createProxy, runCli, startHarness, tempDirectory, waitFor } from './helpers.js';
import { writeLeftLedger } from './ledger-helpers.js';

describe('faultline rollback leaves alone what a live run made again', () => {
  test("a killed run's proxy, toxic and pause, made again by a run still alive, are settled, not undone", async () => {
    const harness = await startHarness();
    await createProxy(harness, 'db', '127.0.0.1:9');
    await harness.api('POST', '/proxies/db/toxics', {
      name: 'slow',
      type: 'latency',
      attributes: { latency: 500 },
    });
    const paused = spawn('sleep', ['30'], { stdio: 'ignore' });
    after(() => paused.kill('SIGKILL'));
    const process_ = identify(paused.pid!)!;
    paused.kill('SIGSTOP');
    await waitFor(() => processState(paused.pid!) === 'T', 'the sleep to stop');
    const ledgerDir = join(tempDirectory('superseded'), 'ledger');
    // The run still alive (this process) made them after the killed run's were removed by hand.
    const alive = openLedger(ledgerDir, { run: 'alive-run', experiment: 'still running' });
    after(() => alive.close(true));
    alive.record({
      server: harness.url,
      description: 'created proxy db',
      undo: { kind: 'delete-proxy', proxy: 'db' },
    });
    alive.record({
      server: harness.url,
      description: 'added latency toxic slow on db',
      undo: { kind: 'remove-toxic', proxy: 'db', toxic: 'slow' },
    });
    alive.record({ description: 'paused process', undo: { kind: 'resume-process', process: process_ } });
    const time = '2026-01-01T00:00:01.000Z';
    const dead = writeLeftLedger(ledgerDir, 'killed-run', [
      {
        time,
        server: `${harness.url}/`,
        description: 'created proxy db',
        undo: { kind: 'delete-proxy', proxy: 'db' },
      },
      {
        time,
        server: harness.url,
        description: 'added latency toxic slow on db',
        undo: { kind: 'remove-toxic', proxy: 'db', toxic: 'slow' },
      },
      { time, description: 'paused process', undo: { kind: 'resume-process', process: process_ } },
    ]);

    const preview = await runCli(['rollback', '--ledger-dir', ledgerDir, '--dry-run']);
    assert.doesNotMatch(preview.stdout, /would undo/);
    assert.equal(
      preview.stdout.match(/already gone: .*\(run alive-run made it again at /g)?.length,
      3,
      preview.stdout,
    );

    const rolled = await runCli(['rollback', '--ledger-dir', ledgerDir]);
    assert.equal(rolled.code, 1, 'the live run is skipped');
    assert.match(rolled.stdout, /skipped run alive-run/);
    assert.match(
      rolled.stdout,
      /already gone: created proxy db \(http:\/\/127\.0\.0\.1:\d+\/\) \(run alive-run made it again at .*; that run's own ledger undoes it\)/,
    );
    assert.equal(rolled.stdout.match(/already gone: /g)?.length, 3, rolled.stdout);
    const toxics = (await harness.api('GET', '/proxies/db/toxics')).json as Array<{ name: string }>;
    assert.deepEqual(
      toxics.map((toxic) => toxic.name),
      ['slow'],
      "the live run's proxy and toxic are still there",
    );
    assert.equal(processState(paused.pid!), 'T', "the live run's pause holds");
    assert.equal(existsSync(dead), false, "the killed run's ledger is finished");
  });
});
