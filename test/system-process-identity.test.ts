import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, test } from 'node:test';
import { identify, isStillRunning, processState, shortCommand } from '../src/system/processes.js';
import { describeLabProcesses } from '../src/system/netlab.js';
import { nothingLeftToUndo } from '../src/system/undo.js';
import { waitFor } from './helpers.js';

describe('process identity', () => {
  test('a killed process its parent has not reaped yet (a zombie) is not still running', async () => {
    // `sleep 0` ends at once; the shell then becomes `sleep 30`, which never reaps it.
    const parent = spawn('sh', ['-c', 'sleep 0 & echo $!; exec sleep 30'], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    try {
      const [line] = (await once(parent.stdout!, 'data')) as [Buffer];
      const zombie = Number(line.toString().trim());
      await waitFor(() => processState(zombie) === 'Z', `pid ${zombie} to be a zombie`);
      const identity = identify(zombie);
      assert.ok(identity, 'a zombie still has its /proc entry and start time');
      assert.equal(isStillRunning(identity), false);
      assert.equal(isStillRunning(identify(parent.pid!)!), true, 'its parent runs');
      // The same process, ended: rollback must not say the pid was taken by another one.
      assert.equal(
        nothingLeftToUndo({ kind: 'resume-process', process: identity }),
        `pid ${zombie} has exited (a zombie its parent has not reaped yet)`,
      );
    } finally {
      parent.kill('SIGKILL');
    }
  });

  test('a command line is shown on one line, its control characters as ? (as ps shows them)', () => {
    // python3 -c "<newline>import time..." printed its program over several lines, and an escape
    // sequence in a process's arguments reached the terminal.
    assert.equal(
      shortCommand('python3 -c \nimport time\n\ttime.sleep(9)'),
      'python3 -c ?import time??time.sleep(9)',
    );
    assert.equal(shortCommand('sleep 600 \u001b[2J'), 'sleep 600 ?[2J');
    assert.equal(shortCommand(`node ${'x'.repeat(80)}`), `node ${'x'.repeat(54)}…`);
    assert.equal(
      describeLabProcesses([
        { pid: 7, namespace: 'fl-lab-b', command: `python3 -c \nimport ${'x'.repeat(60)}` },
      ]),
      `7 (python3 -c ?import ${'x'.repeat(40)}…) in fl-lab-b`,
    );
  });
});
