import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCli } from './helpers.js';

test('--help names both variables the server URL is read from: FAULTLINE_URL, then TOXIPROXY_URL', async () => {
  const [main, list] = await Promise.all([runCli(['--help']), runCli(['list', '--help'])]);
  for (const { stdout } of [main, list]) {
    const host =
      stdout
        .split('\n  -h, --host <url>')[1]
        ?.split(/\n {2}-/)[0]
        ?.replace(/\s+/g, ' ') ?? '';
    assert.match(host, /FAULTLINE_URL, else TOXIPROXY_URL; default http:\/\/127\.0\.0\.1:8474/);
  }
});
