import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startServer } from '../src/server/start-server.js';
import { runCli, startHarness } from './helpers.js';

/** Where the CLI finds the server: an empty variable is unset, and a bad one is named for what it is. */
const harness = await startHarness();

test('an empty FAULTLINE_URL counts as unset: TOXIPROXY_URL is read', async () => {
  const listed = await runCli(['list'], { FAULTLINE_URL: '', TOXIPROXY_URL: harness.url }, false);
  assert.equal(listed.code, 0, listed.stderr);
});

test('a URL that is not one is named by the variable it was read from', async () => {
  const cases: Array<[Record<string, string>, string]> = [
    [{ FAULTLINE_URL: 'not a url', TOXIPROXY_URL: harness.url }, 'FAULTLINE_URL "not a url"'],
    [{ FAULTLINE_URL: '', TOXIPROXY_URL: 'not a url' }, 'TOXIPROXY_URL "not a url"'],
  ];
  for (const [env, named] of cases) {
    for (const command of ['list', 'halt']) {
      const reply = await runCli([command], env, false);
      assert.equal(reply.code, 2, `${command} ${JSON.stringify(env)}: ${reply.stderr}`);
      assert.ok(
        reply.stderr.startsWith(`faultline: ${named} is not a URL; give`),
        `${command} ${JSON.stringify(env)}: ${reply.stderr}`,
      );
    }
  }
});

test('a server URL with a trailing slash reaches a server with a token, for list and halt', async () => {
  const server = await startServer({ token: 'generate' });
  try {
    for (const command of ['list', 'halt']) {
      const reply = await runCli(
        ['-h', `${server.url}/`, command],
        { FAULTLINE_TOKEN: server.token! },
        false,
      );
      assert.equal(reply.code, 0, `${command}: ${reply.stderr}`);
    }
  } finally {
    await server.stop();
  }
});

test('a server URL with a query or fragment is refused, not sent to a path no server serves', async () => {
  for (const command of ['list', 'halt']) {
    for (const [suffix, named] of [
      ['/?token=x', 'query (?token=x)'],
      ['#top', 'fragment (#top)'],
    ]) {
      const url = `${harness.url}${suffix}`;
      const reply = await runCli(['-h', url, command], {}, false);
      assert.equal(reply.code, 2, `${command} ${url}: ${reply.stderr}`);
      assert.ok(
        reply.stderr.startsWith(
          `faultline: --host "${url}" has a ${named}, which the control API's address takes none of; give it as http://HOST:PORT`,
        ),
        `${command} ${url}: ${reply.stderr}`,
      );
    }
  }
});
