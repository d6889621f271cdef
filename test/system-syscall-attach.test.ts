import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { noLedger } from '../src/experiment/ledger.js';
import { syscallOperations as syscall } from '../src/system/operations/syscall-operations.js';
import { announced, runCli, spawnCli, tempDirectory, waitFor } from './helpers.js';

const directory = tempDirectory('attach');
const server = new URL('../../examples/book/journal-server.mjs', import.meta.url).pathname;

const target = spawn(process.execPath, [server, '0', join(directory, 'entries.log')], {
  stdio: ['ignore', 'pipe', 'ignore'],
});
after(() => {
  if (target.exitCode === null) process.kill(target.pid!, 'SIGKILL');
});
// Port 0, and the port it got from its own line: no port seen free can be taken first.
const [, url, portText] = await announced(
  target,
  'stdout',
  /^listening on (http:\/\/127\.0\.0\.1:(\d+))$/m,
  'the journal server',
);
const port = Number(portText);
const post = async () => (await fetch(`${url}/entries`, { method: 'POST' })).status;
const context = { ledger: noLedger, signal: new AbortController().signal, warn: () => undefined };

describe('strace attached to a running process', () => {
  test('the 2nd and 3rd writes fail with EIO; after detaching the process writes again', async () => {
    const attached = (await syscall.attach!(
      { port, expect: 1, syscall: 'pwrite64', error: 'EIO', when: '2..3', seconds: 60 },
      context,
    )) as { target: number };
    assert.equal(attached.target, target.pid);
    assert.deepEqual([await post(), await post(), await post(), await post()], [201, 503, 503, 201]);
    const [report] = (await syscall.detach!({}, context)) as Array<{ injected: Array<{ call: string }> }>;
    assert.equal(report!.injected.length, 2);
    assert.match(report!.injected[0]!.call, /^pwrite64\(.*= -1 EIO \(Input\/output error\) \(INJECTED\)$/);
    assert.equal(await post(), 201);
    const health = (await (await fetch(`${url}/health`)).json()) as {
      storageErrors: number;
      lastError: string;
    };
    assert.deepEqual([health.storageErrors, health.lastError], [2, 'EIO']);
  });

  test('the CLI attaches for --for seconds and reports the injected calls as JSON', async () => {
    const cli = runCli([
      'syscall',
      'attach',
      '--port',
      String(port),
      '--syscall',
      'pwrite64',
      '--error',
      'ENOSPC',
      '--for',
      '1',
      '--json',
    ]);
    await waitFor(async () => (await post()) === 503, 'a write failed by the attached strace', 10_000);
    const result = await cli;
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout) as { target: number; injected: Array<{ call: string }> };
    assert.equal(report.target, target.pid);
    assert.ok(report.injected.length >= 1);
    assert.match(report.injected[0]!.call, /ENOSPC/);
  });

  test('a fault that injected nothing says whether the call was made, and what to try', async () => {
    const idle = spawn('sleep', ['600'], { stdio: 'ignore' });
    const writer = spawn('sh', ['-c', 'while :; do echo tick; sleep 0.05; done'], { stdio: 'ignore' });
    try {
      const attach = (pid: number, ...flags: string[]) =>
        runCli(['syscall', 'attach', '--pid', String(pid), '--syscall', 'write', '--for', '1', ...flags]);
      const none = await attach(idle.pid!, '--error', 'EIO');
      assert.equal(none.code, 0, none.stderr);
      assert.match(
        none.stderr,
        new RegExp(
          `injecting into 0 write call\\(s\\) \\(process ${idle.pid} made no write call while strace was attached; ` +
            'it may use writev or pwrite64 \\(Node writes sockets with writev\\): try that --syscall\\)',
        ),
      );
      const unchosen = await attach(writer.pid!, '--error', 'EIO', '--when', '60000', '--json');
      assert.equal(unchosen.code, 0, unchosen.stderr);
      const report = JSON.parse(unchosen.stdout) as { calls: number; injected: unknown[] };
      assert.equal(report.injected.length, 0);
      assert.ok(report.calls >= 1, `the shell wrote while strace was attached (${report.calls} calls seen)`);
      assert.match(
        unchosen.stderr,
        new RegExp(
          `process ${writer.pid} made ${report.calls} write call\\(s\\), none of them chosen by --when 60000\\)`,
        ),
      );
    } finally {
      process.kill(idle.pid!, 'SIGKILL');
      process.kill(writer.pid!, 'SIGKILL');
    }
  });

  test('a process that exits while strace is attached ends the attachment, and the CLI says so', async () => {
    const short = spawn('sh', ['-c', 'read line'], { stdio: ['pipe', 'ignore', 'ignore'] });
    try {
      const cli = spawnCli([
        'syscall',
        'attach',
        '--pid',
        String(short.pid),
        '--syscall',
        'write',
        '--error',
        'EIO',
        '--for',
        '600',
      ]);
      await waitFor(() => cli.output().stderr.includes('detaching in 600 s'), 'strace to attach', 10_000);
      short.stdin!.end(); // read sees end of file, and the shell exits
      // It waited out all 600 s and then said "detached … made no write call while strace was attached".
      const result = await cli.done;
      assert.equal(result.code, 0, result.stderr);
      assert.match(
        result.stderr,
        new RegExp(
          `faultline: process ${short.pid} exited while strace was attached; strace ended with it after injecting into 0 write call\\(s\\)`,
        ),
      );
    } finally {
      short.kill('SIGKILL');
    }
  });

  test('bad input: no process on the port, unknown errno', async () => {
    await assert.rejects(
      syscall.attach!({ port: 9, syscall: 'write', error: 'EIO', seconds: 1 }, context),
      /no process matches port 9: nothing was traced/,
    );
    await assert.rejects(
      syscall.attach!({ port, syscall: 'write', error: 'EWHAT', seconds: 1 }, context),
      /unknown errno "EWHAT"/,
    );
    const cli = await runCli([
      'syscall',
      'attach',
      '--port',
      String(port),
      '--syscall',
      'write',
      '--error',
      'EIO',
    ]);
    assert.equal(cli.code, 2);
    assert.match(cli.stderr, /--for <seconds>/);
  });
});
