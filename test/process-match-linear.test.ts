import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import { after, describe, test } from 'node:test';
import { spawnCli } from './helpers.js';

/**
 * --match is tested against every process's command line, which other users write: run as root,
 * a backtracking engine let any of them freeze faultline with a command line made for the
 * operator's pattern. RE2 matches in time linear in the command line.
 */
describe('process --match runs in linear time over command lines others write', () => {
  test('a command line made to make (a|a)+$ backtrack does not freeze the selector', async () => {
    const tag = `fl${randomBytes(4).toString('hex')}x`;
    // 40 a's then "!": a backtracking engine tries 2^40 ways to split them before failing.
    const bait = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 120000)', `${tag}${'a'.repeat(40)}!`], {
      stdio: 'ignore',
    });
    after(() => bait.kill('SIGKILL'));
    await once(bait, 'spawn');
    const cli = spawnCli(['process', 'kill', '--match', `${tag}(a|a)+$`, '--expect', '0']);
    const outcome = await Promise.race([
      cli.done,
      delay(60_000, 'still matching after 60 s', { ref: false }),
    ]);
    assert.notEqual(outcome, 'still matching after 60 s');
    assert.equal(typeof outcome === 'object' ? outcome.code : undefined, 0);
    assert.equal(bait.exitCode, null);
  });

  test('a pattern RE2 cannot run (a backreference) is refused, saying why and how to write one', async () => {
    const cli = spawnCli(['process', 'kill', '--match', '(node)\\1']);
    const { code, stderr } = await cli.done;
    assert.equal(code, 2);
    assert.match(stderr, /match "\(node\)\\\\1" is not a regular expression faultline can run/);
    assert.match(stderr, /RE2/);
  });
});
