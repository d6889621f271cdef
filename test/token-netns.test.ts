import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { tempDirectory, waitFor } from './helpers.js';

/**
 * The control API bound to a non-loopback address, inside a network namespace this test makes
 * (two ends of a veth pair, both inside it): no packet leaves the namespace.
 */
const NS = `fl-token-${process.pid}`;
const ADDRESS = '10.203.7.1';
const PORT = 18474;
const cli = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const nodeClient = import.meta.resolve('toxiproxy-node-client');
const ledgerDir = tempDirectory('token-ledger');
const children: ChildProcess[] = [];

const ip = (...args: string[]) => execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });

before(() => {
  try {
    ip('netns', 'add', NS);
  } catch (error) {
    throw new Error(
      `this test makes a network namespace: it needs root and "ip" (Debian package iproute2): ${(error as Error).message}`,
    );
  }
  for (const args of [
    ['link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1'],
    ['addr', 'add', `${ADDRESS}/24`, 'dev', 'v0'],
    ['link', 'set', 'v0', 'up'],
    ['link', 'set', 'v1', 'up'],
    ['link', 'set', 'lo', 'up'],
  ])
    ip('netns', 'exec', NS, 'ip', ...args);
});
after(() => {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, 'SIGKILL');
  ip('netns', 'del', NS);
});

/** Runs node inside the namespace, with only PATH (and `env`) in its environment. */
function inNamespace(args: string[], env: Record<string, string> = {}) {
  const child = spawn('ip', ['netns', 'exec', NS, process.execPath, ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const output = { stdout: '', stderr: '' };
  child.stdout!.on('data', (chunk) => (output.stdout += chunk));
  child.stderr!.on('data', (chunk) => (output.stderr += chunk));
  const done = once(child, 'close').then(([code]) => ({ code: code as number, ...output }));
  return { child, output, done };
}

const faultline = (args: string[], env: Record<string, string> = {}) => inNamespace([cli, ...args], env).done;

/** Runs an ES module inside the namespace and returns what it printed as JSON. */
async function script(source: string): Promise<any> {
  const { code, stdout, stderr } = await inNamespace(['--input-type=module', '-e', source]).done;
  assert.equal(code, 0, stderr);
  return JSON.parse(stdout);
}

/** One request from inside the namespace: its status, WWW-Authenticate and body. */
const request = (
  path: string,
  init: { method?: string; headers?: Record<string, string>; body?: unknown } = {},
) =>
  script(`
    const response = await fetch(${JSON.stringify(`http://${ADDRESS}:${PORT}${path}`)}, {
      method: ${JSON.stringify(init.method ?? 'GET')},
      headers: ${JSON.stringify(init.headers ?? {})},
      ${init.body === undefined ? '' : `body: ${JSON.stringify(JSON.stringify(init.body))},`}
    });
    console.log(JSON.stringify({ status: response.status, challenge: response.headers.get('www-authenticate'), body: await response.text() }));
  `);

describe('a control API off loopback requires a token', () => {
  test('without a token, or with --insecure and a token, the server refuses to start and says how to set one', async () => {
    const bare = await faultline(['server', '--host', ADDRESS, '--port', String(PORT)]);
    assert.equal(bare.code, 2);
    assert.equal(
      bare.stderr,
      `faultline: --host ${ADDRESS} is not a loopback address: whoever reaches it could create proxies, add toxics and halt runs. Require a token with --token VALUE (16+ characters from A-Z a-z 0-9 . _ ~ -), FAULTLINE_TOKEN=VALUE, or --token generate (prints one at start); or pass --insecure to serve it without one, knowingly\n`,
    );
    const both = await faultline(['server', '--host', ADDRESS, '--insecure'], {
      FAULTLINE_TOKEN: 'a'.repeat(20),
    });
    assert.equal(both.code, 2);
    assert.match(both.stderr, /--insecure and --token \(or FAULTLINE_TOKEN\) contradict each other/);
    const short = await faultline(['server', '--host', ADDRESS, '--token', 'hunter2']);
    assert.equal(short.code, 2);
    assert.match(short.stderr, /the token must be 16 to 512 characters .* received 7 characters/);
    assert.equal(short.stderr.includes('hunter2'.slice(1)), false, 'the message never repeats the token');
  });

  test('requests without the token get 401 and change nothing; toxiproxy-node-client and the CLI work with it', async () => {
    const server = inNamespace([
      cli,
      'server',
      '--host',
      ADDRESS,
      '--port',
      String(PORT),
      '--token',
      'generate',
      '--ledger-dir',
      ledgerDir,
      '--log-level',
      'info',
    ]);
    await waitFor(() => server.output.stderr.includes('listening on'), 'the server to listen', 30_000);
    const token = /token: ([A-Za-z0-9_-]{32}) \(clients send it/.exec(server.output.stderr)?.[1];
    assert.ok(token, server.output.stderr);
    assert.match(
      server.output.stderr,
      new RegExp(
        `listening on http://${ADDRESS.replaceAll('.', '\\.')}:${PORT} \\(seed \\d+, token required\\)`,
      ),
    );

    const refused = [
      await request('/proxies', {
        method: 'POST',
        body: { name: 'sneaky', listen: `${ADDRESS}:0`, upstream: `${ADDRESS}:9` },
      }),
      await request('/halt', { method: 'POST' }),
      // One character off: the token's own last character is 'x' once in 64 runs.
      await request('/proxies', {
        headers: { Authorization: `Bearer ${token.slice(0, -1)}${token.endsWith('x') ? 'y' : 'x'}` },
      }),
      await request('/t/not-the-token-at-all/proxies'),
      await request('/proxies', {
        headers: { Authorization: `Basic ${Buffer.from(`${token}:`).toString('base64')}` },
      }),
    ];
    const errors = ['token required', 'token required', 'wrong token', 'wrong token', 'wrong token'];
    for (const [index, reply] of refused.entries()) {
      assert.equal(reply.status, 401);
      assert.equal(reply.challenge, 'Bearer realm="faultline", Basic realm="faultline"');
      const body = JSON.parse(reply.body);
      assert.deepEqual([body.error, body.code], [errors[index], 'FAULTLINE_ERR_UNAUTHORIZED']);
    }
    assert.match(
      JSON.parse(refused[0].body).hint,
      /^the request carries no token; .*Authorization: Bearer TOKEN.*http:\/\/:TOKEN@host:port.*\/t\/TOKEN/,
    );
    assert.match(JSON.parse(refused[2].body).hint, /^the token the request carries is not this server's/);
    const unchanged = await request('/proxies', { headers: { Authorization: `Bearer ${token}` } });
    assert.deepEqual([unchanged.status, unchanged.body], [200, '{}'], 'the refused create changed nothing');

    // toxiproxy-node-client builds on fetch, which refuses credentials in a URL: the /t/TOKEN prefix.
    const viaNodeClient = await script(`
      const { Toxiproxy } = await import(${JSON.stringify(nodeClient)});
      const client = new Toxiproxy(${JSON.stringify(`http://${ADDRESS}:${PORT}/t/${token}`)});
      const proxy = await client.createProxy({ name: 'api', listen: '${ADDRESS}:0', upstream: '${ADDRESS}:9' });
      await proxy.addToxic({ name: 'slow', type: 'latency', stream: 'downstream', toxicity: 1, attributes: { latency: 100 } });
      const all = await client.getAll();
      const toxic = await (await client.get('api')).getToxic('slow');
      console.log(JSON.stringify({ proxies: Object.keys(all), toxic: [toxic.name, toxic.type] }));
    `);
    assert.deepEqual(viaNodeClient, { proxies: ['api'], toxic: ['slow', 'latency'] });

    // The CLI: the token as the password in the URL (as toxiproxy-cli takes TOXIPROXY_URL), and as FAULTLINE_TOKEN.
    const inspect = await faultline(['inspect', 'api', '--json'], {
      TOXIPROXY_URL: `http://:${token}@${ADDRESS}:${PORT}`,
    });
    assert.equal(inspect.code, 0, inspect.stderr);
    assert.deepEqual(
      JSON.parse(inspect.stdout).toxics.map((toxic: { name: string }) => toxic.name),
      ['slow'],
    );
    const halt = await faultline(['halt', '-h', `http://${ADDRESS}:${PORT}`], { FAULTLINE_TOKEN: token });
    assert.equal(halt.code, 0, halt.stdout + halt.stderr);
    assert.equal(
      halt.stdout,
      `halted through the faultline server at http://${ADDRESS}:${PORT}\n  undone (toxic): removed the latency toxic slow on proxy api\n`,
    );
    const withoutToken = await faultline(['list'], { FAULTLINE_URL: `http://${ADDRESS}:${PORT}` });
    assert.equal(withoutToken.code, 1);
    assert.match(
      withoutToken.stderr,
      /^faultline: list proxies: HTTP 401: token required\nthe request carries no token;/,
    );

    process.kill(server.child.pid!, 'SIGTERM');
    await server.done;
    const logs = server.output.stdout + server.output.stderr;
    assert.match(
      server.output.stdout,
      /"url":"\/proxies"/,
      'the access log has the requests, the prefix taken off',
    );
    assert.equal(
      logs.split(token).length - 1,
      1,
      'the token shows once: the line that announced it at start',
    );
  });
});
