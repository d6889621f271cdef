import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import { spawnCli, tempDirectory, waitFor } from './helpers.js';

/** A process for the pause to stop, killed by its pid after the test file. */
function sleeper(): number {
  const child = spawn('sleep', ['600'], { stdio: 'ignore' });
  after(() => {
    if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, 'SIGKILL');
  });
  return child.pid!;
}

const stateOf = (pid: number) => /^State:\s+(\S)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
const ledger = () => ({ FAULTLINE_LEDGER_DIR: tempDirectory('hold-exit-ledger') });

// A held fault cut short by a signal exited 0, as one that ran its full time did: a CI script
// could not tell them apart. Now it undoes the fault, says so, and exits 128 + the signal.
describe('a held fault ended early by a signal exits 130 (SIGINT) or 143 (SIGTERM)', () => {
  for (const [name, status] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    test(`process pause --for: ${name} resumes the process, says so, exits ${status}`, async () => {
      const pid = sleeper();
      const pause = spawnCli(['process', 'pause', '--pid', String(pid), '--for', '600'], ledger());
      await waitFor(() => pause.output().stderr.includes('faultline: holding for 600 s'), 'the hold');
      assert.equal(stateOf(pid), 'T', 'paused while held');
      process.kill(pause.child.pid!, name);
      const ended = await pause.done;
      assert.equal(ended.code, status, ended.stderr);
      assert.match(ended.stderr, /^faultline: interrupted; undoing$/m);
      assert.match(ended.stderr, new RegExp(`^faultline: undone: paused process ${pid} `, 'm'));
      assert.notEqual(stateOf(pid), 'T', 'resumed before faultline exited');
    });
  }

  test('stress: SIGINT before its -t stops the stress and exits 130', async () => {
    const stress = spawnCli(['stress', 'cpu', '--percent', '10', '-t', '600'], ledger());
    await waitFor(() => /stress pid \d+:/.test(stress.output().stderr), 'the stress to start');
    process.kill(stress.child.pid!, 'SIGINT');
    const ended = await stress.done;
    assert.equal(ended.code, 130, ended.stderr);
    assert.match(ended.stderr, /^faultline: interrupted; undoing$/m);
  });

  test('a pause that runs its full time still exits 0, and says it held', async () => {
    const pid = sleeper();
    const ended = await spawnCli(['process', 'pause', '--pid', String(pid), '--for', '1'], ledger()).done;
    assert.equal(ended.code, 0, ended.stderr);
    assert.match(
      ended.stderr,
      /^faultline: holding for 1 s; Ctrl-C or SIGTERM ends it early \(exit 130 or 143\), undoing it first\nfaultline: held for 1 s; undoing\n/m,
    );
    assert.notEqual(stateOf(pid), 'T');
  });
});
