import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCli } from './helpers.js';

test('cgroup oom --name says of which cgroup it found no kill, and that a mistyped one does not exist', async (context) => {
  const result = await runCli(['cgroup', 'oom', '--name', 'nosuch4417']);
  if (/kernel log|dmesg/.test(result.stderr) && result.code !== 0) {
    context.skip(`the kernel log cannot be read here: ${result.stderr.trim()}`);
    return;
  }
  assert.equal(result.code, 0, result.stderr);
  assert.match(
    result.stdout,
    /^no OOM kills of faultline\/nosuch4417 in the kernel log; no cgroup faultline\/nosuch4417 exists now \(check the name: "faultline cgroup stats NAME" reads one\)\n$/,
  );
});

test('cgroup oom --name refuses a name no cgroup can have', async () => {
  const result = await runCli(['cgroup', 'oom', '--name', '../etc']);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /cgroup name/);
});
