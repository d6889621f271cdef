import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCli } from './helpers.js';

/**
 * Commands that run another command take that command's options after it, as sudo, env and
 * `ip netns exec` do: `-c1` there is ping's, not faultline's. `--` before the command still works.
 */
const showArgs = ['sh', '-c', 'printf %s "$*"', 'sh'];

test('supervise passes the options after the command to it, with or without --', async () => {
  for (const separator of [[], ['--']]) {
    const reply = await runCli([
      'supervise',
      '--restart',
      'never',
      ...separator,
      ...showArgs,
      '-c1',
      '--restart',
      'x',
    ]);
    assert.equal(reply.code, 0, reply.stderr);
    assert.equal(reply.stdout, '-c1 --restart x');
  }
});

test('supervise still reads its own options before the command', async () => {
  const reply = await runCli(['supervise', '--restart', 'sometimes', ...showArgs]);
  assert.equal(reply.code, 2);
  assert.match(reply.stderr, /--restart.*sometimes.*always, on-failure, never/);
});

test('net exec takes the command and its options after the host, without --', async () => {
  const reply = await runCli(['net', 'exec', 'nolab', 'a', 'ping', '-c1', '127.0.0.1'], {
    FAULTLINE_LEDGER_DIR: '/nonexistent-faultline',
  });
  assert.equal(reply.code, 2);
  assert.match(reply.stderr, /^faultline: there is no lab nolab; create it/);
});

test('net exec reads a -- after the host as the separator it is, not as the command', async () => {
  const reply = await runCli(['net', 'exec', 'nolab', 'a', '--'], {
    FAULTLINE_LEDGER_DIR: '/nonexistent-faultline',
  });
  assert.equal(reply.code, 2);
  assert.match(reply.stderr, /^faultline: net exec nolab a: give the command to run after the host/);
});

test("the command's own arguments are passed as written, not rewritten as toxiproxy flags", async () => {
  const reply = await runCli(['supervise', '--restart', 'never', ...showArgs, '-tox', '-l=5', '-host', 'x']);
  assert.equal(reply.code, 0, reply.stderr);
  assert.equal(reply.stdout, '-tox -l=5 -host x');
});
