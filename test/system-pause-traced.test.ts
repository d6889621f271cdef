import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { runCli, waitFor } from './helpers.js';

/**
 * A process strace is attached to (as `faultline syscall attach` leaves it) shows state t
 * between its system calls, the tracer's stops, which are not a pause: it runs on. `process
 * pause` took that t for "already stopped", recorded nothing, and left the process paused while
 * `faultline rollback` said there was nothing to roll back.
 */
const root = mkdtempSync(join(tmpdir(), 'faultline-pause-traced-'));
const children: ChildProcess[] = [];
after(() => {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, 'SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

function started(command: string, args: string[]): ChildProcess {
  const child = spawn(command, args, { stdio: 'ignore' });
  children.push(child);
  return child;
}

const status = (pid: number) => readFileSync(`/proc/${pid}/status`, 'utf8');
const tracerOf = (pid: number) => Number(/^TracerPid:\s+(\d+)/m.exec(status(pid))?.[1]);
/** Context switches of the process's main thread: a traced process that runs makes them all the time. */
const switchesOf = (pid: number) =>
  [...status(pid).matchAll(/^(?:non)?voluntary_ctxt_switches:\s+(\d+)/gm)].reduce(
    (sum, match) => sum + Number(match[1]),
    0,
  );

/**
 * `yes` writing to /dev/null, with strace holding each write 300 ms (`syscall attach --delay-ms
 * 300`): it sits in the tracer's stop, state t, nearly all the time, and runs on.
 */
async function tracedBusyProcess(): Promise<number> {
  const busy = started('yes', []);
  const pid = busy.pid!;
  started('strace', [
    ...['-f', '-qq', '-o', '/dev/null', '-e', 'trace=write'],
    ...['-e', 'inject=write:delay_enter=300000', '-p', String(pid)],
  ]);
  await waitFor(() => tracerOf(pid) !== 0, 'strace attached');
  return pid;
}

describe('process pause on a process a tracer (strace) is attached to', () => {
  test('a traced process, in a stop of the tracer, is paused and recorded: rollback resumes it', async () => {
    const env = { FAULTLINE_LEDGER_DIR: join(root, 'running') };
    const pid = await tracedBusyProcess();
    const paused = await runCli(['process', 'pause', '--pid', String(pid)], env);
    assert.equal(paused.code, 0, paused.stderr);
    assert.doesNotMatch(paused.stderr, /already stopped/);
    assert.match(paused.stderr, /the change stays in place; "faultline rollback" undoes it/);
    const preview = await runCli(['rollback', '--dry-run'], env);
    assert.match(preview.stdout, new RegExp(`would undo: paused process ${pid} \\(yes\\)`));
    const rolled = await runCli(['rollback'], env);
    assert.match(rolled.stdout, new RegExp(`undone: paused process ${pid} \\(yes\\)`));
    const before = switchesOf(pid);
    await waitFor(() => switchesOf(pid) > before + 2, 'the process to run again');
  });
});
