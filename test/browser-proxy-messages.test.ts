import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { runCli } from './helpers.js';

test('browser-proxy: a port in use and a bad --allowed-host get advice that fits browser-proxy', async (t) => {
  const holder = createServer();
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  t.after(() => holder.close());
  const port = (holder.address() as { port: number }).port;
  const [taken, badHost, serverHost] = await Promise.all([
    runCli(['browser-proxy', '--target', 'http://127.0.0.1:1', '--delay', '10', '--port', String(port)]),
    runCli(['browser-proxy', '--target', 'http://127.0.0.1:1', '--allowed-host', 'a b']),
    runCli(['server', '--port', '0', '--allowed-host', 'a b']),
  ]);
  assert.equal(taken.code, 2, taken.stderr);
  assert.match(
    taken.stderr,
    /address already in use \(is another faultline browser-proxy running\?\); pass --port/,
  );
  assert.doesNotMatch(taken.stderr, /toxiproxy-server/);
  assert.equal(badHost.code, 2);
  assert.match(badHost.stderr, /such as --allowed-host myapp\.test; received "a b"/);
  // The server's own example stays its compose service name.
  assert.match(serverHost.stderr, /such as --allowed-host toxiproxy; received "a b"/);
});
