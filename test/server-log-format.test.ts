import assert from 'node:assert/strict';
import { test } from 'node:test';
import { spawnCli, waitFor } from './helpers.js';

/**
 * toxiproxy-server logs zerolog JSON lines: `"level":"info"`, an RFC 3339 `time`, and the text
 * under `message`. Log pipelines and alerts written for it (level == "error", a search on
 * message) must read faultline's lines the same way.
 */
test('the server logs JSON lines with the keys toxiproxy-server writes: level by name, time as RFC 3339, message', async () => {
  const server = spawnCli(['server', '--port', '0']);
  const listening = () =>
    server
      .output()
      .stdout.split('\n')
      .find((text) => text.includes('faultline server listening'));
  await waitFor(() => listening() !== undefined, 'the JSON log line of the listening server');
  const logged = JSON.parse(listening()!) as Record<string, unknown>;
  process.kill(server.child.pid!, 'SIGTERM');
  await server.done;
  assert.equal(logged.level, 'info');
  assert.equal(logged.message, 'faultline server listening');
  assert.equal(logged.msg, undefined);
  assert.match(String(logged.time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
});
