import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { createProxy, spawnCli, startEchoServer, startHarness, tempDirectory, waitFor } from './helpers.js';
import { addToxic, removeToxic } from './experiment-helpers.js';

const main = new URL('../src/cli/main.js', import.meta.url).pathname;

describe('stdout closed early by its reader (faultline observe | head -1)', () => {
  test('a command whose work is its output ends quietly with 141, as a program killed by SIGPIPE', async () => {
    const cli = spawnCli(['observe', '-c', '5']);
    await once(cli.child.stdout!, 'data');
    cli.child.stdout!.destroy();
    const result = await cli.done;
    assert.equal(result.code, 141);
    assert.equal(result.stderr, '');
  });
});

/**
 * `faultline run x.json 2>&1 | head -n 1`: stdout and stderr share one pipe whose only reader,
 * head, exits after the first line. The run's first action waits for the file `go`, which the
 * test writes once head has exited, so everything after it is written into a closed pipe.
 */
async function runIntoHead(args: string[], method: object[], rollbacks: object[]) {
  const harness = await startHarness();
  const echo = await startEchoServer();
  await createProxy(harness, 'db', echo.address);
  const directory = tempDirectory('closed-output');
  const path = join(directory, 'experiment.json');
  const go = join(directory, 'go');
  await writeFile(
    path,
    JSON.stringify({
      title: 'output closed',
      description: 'd',
      configuration: { faultline_url: harness.url },
      method: [addToxic, untilFileExists(go), ...method],
      rollbacks,
    }),
  );
  const { runner, shown, exited } = await intoHead(
    [main, 'run', path, '--journal-path', join(directory, 'journal.json'), ...args],
    { cwd: directory },
  );
  return {
    harness,
    directory,
    runner,
    shown,
    release: () => writeFile(go, ''),
    status: async () => (await exited)[0] as number | null,
    journal: async () => JSON.parse(await readFile(join(directory, 'journal.json'), 'utf8')),
  };
}

/** Node running `args` with stdout and stderr into `head -n 1`; resolves once head has exited and its output is read. */
async function intoHead(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  const head = spawn('head', ['-n', '1'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const runner = spawn(process.execPath, args, { ...options, stdio: ['ignore', head.stdin!, head.stdin!] });
  head.stdin!.destroy();
  stopAfter(head);
  stopAfter(runner);
  const exited = once(runner, 'exit');
  let shown = '';
  head.stdout!.setEncoding('utf8').on('data', (text: string) => (shown += text));
  await once(head, 'close');
  return { runner, shown: () => shown, exited };
}

function stopAfter(child: ChildProcess): void {
  after(() => {
    if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, 'SIGKILL');
  });
}

const untilFileExists = (file: string) => ({
  type: 'action',
  name: 'wait for the reader to go',
  provider: {
    type: 'process',
    path: 'sh',
    arguments: ['-c', `while [ ! -e '${file}' ]; do sleep 0.05; done`],
    timeout: 60,
  },
});

const hold = {
  type: 'action',
  name: 'hold',
  provider: { type: 'process', path: 'sh', arguments: ['-c', ': > held; exec sleep 47'] },
};

describe('faultline run whose output pipe closes goes on as if it were still read', () => {
  test('| head -n 1: the method, rollbacks, journal, ledger and exit status are those of a read run', async () => {
    const ledgerDir = join(tempDirectory('closed-output-ledger'), 'ledger');
    const run = await runIntoHead(
      ['--ledger-dir', ledgerDir],
      [{ type: 'probe', name: 'after', provider: { type: 'process', path: 'true' } }],
      [removeToxic],
    );
    assert.match(run.shown(), /^\[.* INFO\] /, 'head saw the first line');
    await run.release();
    assert.equal(await run.status(), 0);
    const journal = await run.journal();
    assert.equal(journal.status, 'completed');
    assert.deepEqual(
      journal.run.map((entry: { activity: { name: string } }) => entry.activity.name),
      ['slow down', 'wait for the reader to go', 'after'],
    );
    assert.equal(journal.rollbacks[0]?.status, 'succeeded');
    assert.deepEqual((await run.harness.api('GET', '/proxies/db/toxics')).json, []);
    assert.deepEqual(readdirSync(ledgerDir), [], 'the ledger is settled and removed');
  });

  test('SIGINT after the reader has gone: the rollbacks play (--rollback-strategy always) and the journal is written', async () => {
    const run = await runIntoHead(
      ['--rollback-strategy', 'always', '--ledger-dir', join(tempDirectory('closed-output-ledger'), 'l')],
      [hold],
      [removeToxic],
    );
    await run.release();
    await waitFor(() => existsSync(join(run.directory, 'held')), 'the hold to start');
    process.kill(run.runner.pid!, 'SIGINT');
    assert.equal(await run.status(), 1);
    const journal = await run.journal();
    assert.equal(journal.status, 'interrupted');
    assert.equal(journal.rollbacks[0]?.status, 'succeeded');
    assert.deepEqual((await run.harness.api('GET', '/proxies/db/toxics')).json, []);
  });
});

describe('a command holding a fault whose output pipe closes', () => {
  test('process pause --for: the pause holds after the reader has gone, then is undone and its ledger settled', async () => {
    const sleeper = spawn('sleep', ['600']);
    stopAfter(sleeper);
    const ledgerDir = join(tempDirectory('closed-output-ledger'), 'ledger');
    const stateOf = () => /^State:\s+(\S)/m.exec(readFileSync(`/proc/${sleeper.pid}/status`, 'utf8'))?.[1];
    // Its lines after the first ("held for 5 s; undoing", "undone: ...") go into the closed pipe.
    const { shown, exited } = await intoHead(
      [main, 'process', 'pause', '--pid', String(sleeper.pid), '--for', '5'],
      { env: { ...process.env, FAULTLINE_LEDGER_DIR: ledgerDir } },
    );
    assert.match(shown(), /^paused /);
    assert.equal(existsSync(ledgerDir) && readdirSync(ledgerDir).length, 1, 'held when the reader went');
    assert.deepEqual(await exited, [0, null], 'the status of a read run');
    assert.notEqual(stateOf(), 'T', 'resumed');
    assert.deepEqual(readdirSync(ledgerDir), [], 'the ledger is settled and removed');
  });
});
