import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { scanLedgers } from '../src/experiment/ledger.js';
import { runCli, spawnCli, tempDirectory, waitFor } from './helpers.js';

/** How strace is left, and who cleans up, when the CLI that started it is stopped or killed. */

const started: ChildProcess[] = [];
/** Commands strace started for a test, stopped by their pid if a test left them. */
const commands: number[] = [];
after(() => {
  for (const child of started)
    if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, 'SIGKILL');
  for (const pid of commands) if (isRunning(pid)) process.kill(pid, 'SIGKILL');
});

/** A victim of our own: `sleep 300`, stopped by its pid after the file. */
function victim(): number {
  const child = spawn('sleep', ['300'], { stdio: 'ignore' });
  started.push(child);
  return child.pid!;
}

function tracerOf(pid: number): number {
  return Number(/^TracerPid:\s*(\d+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
}

function isRunning(pid: number): boolean {
  try {
    return !/^State:\s*Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

/** The live entries of the ledgers in `directory`, by description. */
function liveEntries(directory: string) {
  return scanLedgers(directory).ledgers.flatMap((ledger) => ledger.entries);
}

/** Starts `syscall inject` on a shell that prints its pid and then sleeps; resolves with that pid. */
async function injectIntoSleeper(ledgerDirectory: string) {
  const cli = spawnCli(
    [
      ...['syscall', 'inject', '--syscall', 'nanosleep', '--error', 'EIO', '--when', '65535'],
      ...['--', 'sh', '-c', 'echo $$; exec sleep 300'],
    ],
    { FAULTLINE_LEDGER_DIR: ledgerDirectory },
  );
  await waitFor(
    () => /^\d+\n/.test(cli.output().stdout),
    'the command under strace printing its pid',
    20_000,
  );
  const command = Number(cli.output().stdout.trim());
  commands.push(command);
  await waitFor(() => liveEntries(ledgerDirectory).length === 2, 'the run in the ledger', 10_000);
  return { cli, command };
}

describe('syscall inject: stopped with the CLI, recorded while it runs', () => {
  test('SIGTERM to the CLI stops strace and the command, exits 143 and leaves nothing behind', async () => {
    const ledgerDirectory = tempDirectory('inject-term');
    const { cli, command } = await injectIntoSleeper(ledgerDirectory);
    const entries = liveEntries(ledgerDirectory);
    assert.deepEqual(
      entries.map((entry) => entry.undo.kind),
      ['remove-file', 'stop-process'],
    );
    assert.match(
      entries[1]!.description,
      /^ran sh -c echo \$\$; exec sleep 300 under strace injecting nanosleep EIO$/,
    );
    const log = (entries[0]!.undo as { path: string }).path;
    assert.equal(existsSync(log), true);
    cli.child.kill('SIGTERM');
    const result = await cli.done;
    assert.equal(result.code, 143, result.stderr);
    assert.match(
      result.stderr,
      /faultline got SIGTERM and stopped strace, which passed SIGTERM on to the command/,
    );
    await waitFor(() => !isRunning(command), 'the command to end', 10_000);
    assert.equal(existsSync(log), false, "strace's log is removed");
    assert.deepEqual(liveEntries(ledgerDirectory), []);
  });

  test('a CLI killed with SIGKILL leaves its run in the ledger, and halt stops strace and the command', async () => {
    const ledgerDirectory = tempDirectory('inject-kill');
    const { cli, command } = await injectIntoSleeper(ledgerDirectory);
    const log = (liveEntries(ledgerDirectory)[0]!.undo as { path: string }).path;
    cli.child.kill('SIGKILL');
    // Its output pipes stay open in strace and the command: wait for the CLI's own exit.
    await once(cli.child, 'exit');
    assert.equal(isRunning(command), true, 'the command outlives a CLI killed with SIGKILL');
    const halted = await runCli(['halt'], {
      FAULTLINE_LEDGER_DIR: ledgerDirectory,
      FAULTLINE_URL: 'http://127.0.0.1:9',
    });
    assert.equal(halted.code, 0, halted.stderr);
    assert.match(
      halted.stdout,
      /undone \(ledger\): undone: ran sh -c .* under strace injecting nanosleep EIO/,
    );
    await waitFor(() => !isRunning(command), 'the command to end', 10_000);
    assert.equal(existsSync(log), false);
  });

  test('a fault strace refuses is bad input (exit 2) and the command never runs', async () => {
    const directory = tempDirectory('inject-bad');
    const marker = join(directory, 'ran');
    for (const [flags, message] of [
      [
        ['--syscall', 'bogus'],
        /strace knows no system call "bogus" on this machine \(strace: invalid system call 'bogus'\); name one such as write/,
      ],
      [
        ['--syscall', 'write', '--when', '70000'],
        /when "70000" counts past what strace can: the first call and the step go up to 65535, the last call of N..M to 65534/,
      ],
    ] as const) {
      const result = await runCli(['syscall', 'inject', ...flags, '--error', 'EIO', '--', 'touch', marker], {
        FAULTLINE_LEDGER_DIR: directory,
      });
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, message);
      assert.doesNotMatch(result.stderr, /call\(s\) failed/);
      assert.equal(existsSync(marker), false, 'the command never ran');
    }
  });
});

describe('syscall attach: bounded by --for even when the CLI dies', () => {
  test('a CLI killed with SIGKILL leaves strace attached no longer than --for', async () => {
    const ledgerDirectory = tempDirectory('attach-kill');
    const target = victim();
    const cli = spawnCli(
      [
        'syscall',
        'attach',
        '--pid',
        String(target),
        '--syscall',
        'nanosleep',
        '--delay-ms',
        '1',
        '--for',
        '2',
      ],
      { FAULTLINE_LEDGER_DIR: ledgerDirectory },
    );
    await waitFor(() => tracerOf(target) !== 0, 'strace attached', 20_000);
    cli.child.kill('SIGKILL');
    await cli.done;
    await waitFor(() => tracerOf(target) === 0, 'strace detached by its own deadline', 20_000);
    assert.deepEqual(
      liveEntries(ledgerDirectory).map((entry) => entry.description),
      [`attached strace to ${target} injecting nanosleep +1 ms`],
      'recorded before strace attached, so the kill could not come between',
    );
    const rollback = await runCli(['rollback'], { FAULTLINE_LEDGER_DIR: ledgerDirectory });
    assert.equal(rollback.code, 0, rollback.stderr);
    assert.deepEqual(liveEntries(ledgerDirectory), []);
  });

  test('a process traced already is named with its tracer; exit 1, as a failure', async () => {
    const target = victim();
    const first = spawnCli(
      [
        'syscall',
        'attach',
        '--pid',
        String(target),
        '--syscall',
        'nanosleep',
        '--error',
        'EIO',
        '--for',
        '60',
      ],
      { FAULTLINE_LEDGER_DIR: tempDirectory('attach-first') },
    );
    await waitFor(() => tracerOf(target) !== 0, 'strace attached', 20_000);
    const tracer = tracerOf(target);
    const second = await runCli(
      [
        'syscall',
        'attach',
        '--pid',
        String(target),
        '--syscall',
        'nanosleep',
        '--error',
        'EIO',
        '--for',
        '1',
      ],
      { FAULTLINE_LEDGER_DIR: tempDirectory('attach-second') },
    );
    assert.equal(second.code, 1);
    assert.match(
      second.stderr,
      new RegExp(
        `process ${target} is traced already, by process ${tracer} \\(strace -f -p ${target} .*\\), and a process takes one tracer; stop that one first`,
      ),
    );
    first.child.kill('SIGINT');
    const interrupted = await first.done;
    assert.equal(interrupted.code, 130, `detached early, not after its --for: ${interrupted.stderr}`);
    assert.equal(tracerOf(target), 0);
  });
});
