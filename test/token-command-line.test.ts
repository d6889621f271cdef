import assert from 'node:assert/strict';
import { test } from 'node:test';
import { spawnCli, waitFor } from './helpers.js';

const TOKEN = 'a-token-of-20-chars';

async function startedWith(args: string[], env: Record<string, string> = {}): Promise<string> {
  const server = spawnCli(['server', '--host', '127.0.0.1', '--port', '0', ...args], env);
  try {
    await waitFor(() => server.output().stderr.includes('listening on'), 'the server to listen', 30_000);
    return server.output().stderr;
  } finally {
    process.kill(server.child.pid!, 'SIGTERM');
    await server.done;
  }
}

test('--token VALUE on the command line is started with a warning that every local user can read it', async () => {
  const stderr = await startedWith(['--token', TOKEN]);
  assert.match(
    stderr,
    /--token VALUE is visible to every local user \(ps, \/proc\/PID\/cmdline\); set FAULTLINE_TOKEN=VALUE/,
  );
  assert.equal(stderr.includes(TOKEN), false, 'the warning never repeats the token');
});

test('FAULTLINE_TOKEN in the environment gets no such warning', async () => {
  const stderr = await startedWith([], { FAULTLINE_TOKEN: TOKEN });
  assert.doesNotMatch(stderr, /visible to every local user/);
  assert.match(stderr, /token required/);
});
