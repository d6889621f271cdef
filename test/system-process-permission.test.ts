import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { chownSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, test } from 'node:test';
import { processState } from '../src/system/processes.js';
import { tempDirectory } from './helpers.js';

const NOBODY = 65534;
const cli = new URL('../src/cli/main.js', import.meta.url).pathname;

/** The CLI run as nobody, with a ledger of its own. */
async function asNobody(args: string[]): Promise<{ code: number; stderr: string; ledger: string }> {
  const home = tempDirectory('nobody');
  chownSync(home, NOBODY, NOBODY);
  const ledger = join(home, 'ledger');
  try {
    await promisify(execFile)(process.execPath, [cli, ...args], {
      uid: NOBODY,
      gid: NOBODY,
      env: { PATH: process.env.PATH ?? '', HOME: home, FAULTLINE_LEDGER_DIR: ledger },
    });
    return { code: 0, stderr: '', ledger };
  } catch (error) {
    const failed = error as { code: number; stderr: string };
    return { code: failed.code, stderr: failed.stderr, ledger };
  }
}

test(
  "a signal the kernel refuses (another user's process) is said so, and nothing is recorded or reported undone",
  { skip: process.getuid?.() !== 0 && 'needs root to run the CLI as nobody' },
  async () => {
    const sleeper = spawn('sleep', ['600'], { stdio: 'ignore' });
    after(() => sleeper.kill('SIGKILL'));
    const pid = String(sleeper.pid);
    for (const args of [
      ['process', 'pause', '--pid', pid],
      ['process', 'kill', '--pid', pid],
      ['process', 'resume', '--pid', pid],
    ]) {
      const result = await asNobody(args);
      assert.equal(result.code, 1, result.stderr);
      // It said "already gone: paused process N" (never paused, and not gone) and "kill EPERM".
      assert.match(
        result.stderr,
        new RegExp(
          `^faultline: cannot send SIG\\w+ to ${pid} \\(sleep 600\\): it is another user's process, and only root or its owner may signal it \\(EPERM\\); nothing was signalled\\n$`,
        ),
        args.join(' '),
      );
      assert.ok(!existsSync(result.ledger) || readdirSync(result.ledger).length === 0, 'no ledger left');
    }
    assert.equal(processState(sleeper.pid!), 'S', 'still running, never stopped');
  },
);
