import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { after, test } from 'node:test';
import { ancestorsOf } from '../src/system/ancestors.js';

const cli = new URL('../src/cli/main.js', import.meta.url).pathname;

/**
 * Runs `faultline ARGS` two levels down: this test starts a node process tagged `TAG` on its
 * command line, which runs faultline through `sh -c`, as a test runner or `npm run` would. ARGS
 * may name the tagged process as `{ancestor}`. The pattern `…778[1]` matches the tag but not itself,
 * so the shell in between (whose command line holds the pattern) is not what matches.
 */
async function runBelowAncestor(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const script = `
    const { spawnSync } = require('node:child_process');
    const args = JSON.parse(process.argv[1]).map((arg) => arg.replace('{ancestor}', String(process.pid)));
    const quoted = args.map((arg) => "'" + arg + "'").join(' ');
    const result = spawnSync('sh', ['-c', '"$0" "$1" ' + quoted + '; exit $?', process.execPath, ${JSON.stringify(cli)}], { encoding: 'utf8' });
    process.stdout.write(JSON.stringify({ code: result.status, stdout: result.stdout, stderr: result.stderr }));
  `;
  const child = spawn(process.execPath, ['-e', script, JSON.stringify(args), 'ancestor-tag-7781'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  after(() => {
    if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, 'SIGKILL');
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  await once(child, 'close');
  return JSON.parse(output) as { code: number; stdout: string; stderr: string };
}

test('ancestorsOf walks up from a process to just below pid 1', () => {
  const above = ancestorsOf();
  assert.equal(above[0], process.ppid);
  assert.ok(!above.includes(1) && !above.includes(process.pid));
});

test('a match never signals a process that runs faultline; it says it left it out', async () => {
  const result = await runBelowAncestor(['process', 'kill', '--match', 'ancestor-tag-778[1]', '--dry-run']);
  assert.equal(result.code, 2, result.stderr);
  assert.equal(result.stdout, '');
  assert.match(
    result.stderr,
    /^faultline: no process matches --match "ancestor-tag-778\[1\]": nothing was signalled; left out \d+ \(.*node -e .+\), which runs faultline: name it with --pid and add --force if you mean it\n$/,
  );
});

test('a process that runs faultline, named by pid, is refused unless --force', async () => {
  const refused = await runBelowAncestor(['process', 'pause', '--pid', '{ancestor}', '--dry-run']);
  assert.equal(refused.code, 2);
  assert.match(
    refused.stderr,
    /^faultline: refused to touch \d+ \(.*node -e .+, a process that runs faultline \(its parent is below it\)\): nothing was paused; choose the processes more narrowly, or add --force if you mean it\n$/,
  );
  const forced = await runBelowAncestor(['process', 'pause', '--pid', '{ancestor}', '--dry-run', '--force']);
  assert.equal(forced.code, 0, forced.stderr);
  assert.match(forced.stdout, /^would pause \d+ \(.*node -e .+\)\n$/);
});
