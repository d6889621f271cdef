import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { defaultApiConnections, openFileLimitIn } from '../src/server/descriptor-limit.js';
import { spawnCollecting, waitFor } from './helpers.js';

const bin = fileURLToPath(new URL('../src/cli/main.cjs', import.meta.url));

/** Runs the bin under `prlimit --nofile=256` (soft and hard), collecting its output. */
function underFileLimit(args: string[], env: Record<string, string> = {}) {
  const started = spawnCollecting('prlimit', ['--nofile=256', '--', process.execPath, bin, ...args], env);
  return { ...started, closed: started.done };
}

async function startServer(args: string[], env: Record<string, string> = {}) {
  const server = underFileLimit(['server', '--port', '0', '--log-level', 'debug', ...args], env);
  await waitFor(() => server.output().stderr.includes('listening on'), 'the server to listen', 30_000);
  const port = Number(/listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(server.output().stderr)![1]);
  const logged = (pattern: RegExp) =>
    server
      .output()
      .stdout.split('\n')
      .filter((line) => pattern.test(line))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  const stop = async () => {
    process.kill(server.child.pid!, 'SIGTERM');
    await server.closed;
  };
  return { port, logged, stop };
}

/** `max` connections held, the next one is answered 503: the cap is `max` (64 under 256, not 1000). */
async function assertCappedAt(port: number, max: number) {
  const sockets: net.Socket[] = [];
  after(() => sockets.forEach((socket) => socket.destroy()));
  for (let i = 0; i < max; i++) {
    const socket = net.connect(port, '127.0.0.1');
    sockets.push(socket);
    await once(socket, 'connect');
  }
  const held = await fetch(`http://127.0.0.1:${port}/version`).catch((error: Error) => error);
  assert.ok(!(held instanceof Error), String(held));
  assert.equal(held.status, 503);
  assert.match(await held.text(), /too many connections/);
  sockets.forEach((socket) => socket.destroy());
}

describe('--max-api-connections under a low open-file limit', () => {
  test('by default the cap is a quarter of the limit, and the start-up log says why', async () => {
    const server = await startServer([]);
    assert.deepEqual(
      server
        .logged(/max-api-connections/)
        .map(({ level, message, max_api_connections, open_file_limit }) => ({
          level,
          message,
          max_api_connections,
          open_file_limit,
        })),
      [
        {
          level: 'debug',
          message:
            '--max-api-connections defaults to 64, a quarter of the open-file limit of 256 (ulimit -n), leaving the rest to the proxies',
          max_api_connections: 64,
          open_file_limit: 256,
        },
      ],
    );
    await assertCappedAt(server.port, 64);
    await server.stop();
  });

  test('--help names the default chosen and why', async () => {
    const help = underFileLimit(['server', '--help']);
    await help.closed;
    assert.match(
      help.output().stdout.replace(/\s+/g, ' '),
      /--max-api-connections <n> .*\(default: 64, a quarter of the open-file limit of 256 \(ulimit -n\), leaving the rest to the proxies, env: FAULTLINE_MAX_API_CONNECTIONS\)/,
    );
  });

  test('a value given is kept, with a warning when it is not below the limit', async () => {
    const fromEnv = await startServer([], { FAULTLINE_MAX_API_CONNECTIONS: '300' });
    const [warning, ...more] = fromEnv.logged(/max-api-connections/);
    assert.deepEqual(more, []);
    assert.equal(warning?.level, 'warn');
    assert.equal(warning?.max_api_connections, 300);
    assert.equal(
      warning?.message,
      '--max-api-connections 300 is not below the open-file limit of 256: API connections alone could take every descriptor, and the proxies would then fail to accept or connect (EMFILE); raise the limit (ulimit -n) or set the cap well under it, such as 64',
    );
    await fromEnv.stop();

    const below = await startServer(['--max-api-connections', '100']);
    assert.deepEqual(below.logged(/max-api-connections/), []);
    await below.stop();
  });
});

test('the library (startServer, createControlServer) defaults the cap as the CLI does', async () => {
  const library = new URL('../src/index.js', import.meta.url).href;
  const script = `
    const { startServer, createControlServer, createEngine } = await import(${JSON.stringify(library)});
    const started = await startServer();
    const control = createControlServer({ engine: createEngine() });
    await new Promise((resolve) => control.http.listen(0, '127.0.0.1', resolve));
    console.log(JSON.stringify({ startServer: started.port, createControlServer: control.http.address().port }));
  `;
  const child = spawnCollecting('prlimit', [
    '--nofile=256',
    '--',
    process.execPath,
    '--input-type=module',
    '-e',
    script,
  ]);
  await waitFor(() => child.output().stdout.includes('}'), 'the servers to listen', 30_000);
  const ports = JSON.parse(child.output().stdout) as Record<string, number>;
  for (const api of ['startServer', 'createControlServer']) await assertCappedAt(ports[api]!, 64);
  process.kill(child.child.pid!, 'SIGTERM');
  await child.done;
});

test('the limit is the soft one of /proc/self/limits; unlimited or unread leaves the cap at 1000', () => {
  const limits = (soft: string, hard: string) =>
    `Max processes             63698                63698                processes \n` +
    `Max open files            ${soft.padEnd(20)} ${hard.padEnd(20)} files     \n`;
  assert.equal(openFileLimitIn(limits('1024', '524288')), 1024);
  assert.equal(openFileLimitIn(limits('unlimited', 'unlimited')), undefined);
  assert.equal(openFileLimitIn(undefined), undefined);
  assert.equal(defaultApiConnections(1024).max, 256);
  assert.equal(defaultApiConnections(4000).max, 1000);
  assert.equal(defaultApiConnections(3999).max, 999);
  assert.equal(defaultApiConnections(2).max, 1);
  assert.deepEqual(defaultApiConnections(undefined), { max: 1000, why: '1000' });
});
