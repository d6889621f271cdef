import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { connect, readBytes, spawnCollecting, startEchoServer, tempDirectory, waitFor } from './helpers.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  version: string;
  bin: { faultline: string };
};
/** What `faultline` runs: npm's shim starts this file with node. */
const bin = join(root, manifest.bin.faultline);

/**
 * NODE_OPTIONS that make the child write the modules it has loaded to stderr when it gets
 * SIGUSR2, as "MODULES name,name,…". (--require, not --import: --import would start Node's ES
 * module loader in the child whatever it runs.)
 */
function reportingModules(): Record<string, string> {
  const preload = join(tempDirectory('bin'), 'modules.cjs');
  writeFileSync(
    preload,
    "process.on('SIGUSR2', () => process.stderr.write(`MODULES ${process.moduleLoadList.join(',')}\\n`));\n",
  );
  return { NODE_OPTIONS: `--require ${preload}` };
}

function startBin(args: string[], env: Record<string, string> = {}) {
  return spawnCollecting(process.execPath, [bin, ...args], env);
}

/** The modules the child has loaded, from the preload reportingModules() installs. */
async function modulesLoaded(started: ReturnType<typeof startBin>): Promise<string[]> {
  const before = started.output().stderr.length;
  process.kill(started.child.pid!, 'SIGUSR2');
  const report = () => /MODULES (.*)\n/.exec(started.output().stderr.slice(before));
  await waitFor(() => report() !== null, 'the module list', 10_000);
  return report()![1]!.split(',');
}

describe('the bin', () => {
  test('is CommonJS, so `faultline server` starts without Node’s ES module loader', async () => {
    assert.match(manifest.bin.faultline, /\.cjs$/);
    const server = startBin(['server', '--port', '0', '--log-level', 'warn'], reportingModules());
    await waitFor(() => server.output().stderr.includes('listening on'), 'the server to listen', 30_000);
    const url = /listening on (http:\/\/\S+)/.exec(server.output().stderr)![1]!;
    const version = await fetch(`${url}/version`);
    assert.equal(version.status, 200);
    assert.equal(((await version.json()) as { version: string }).version, '2.12.0');
    const modules = await modulesLoaded(server);
    assert.ok(modules.includes('NativeModule http'), 'the recording works: it saw node:http load');
    assert.deepEqual(
      modules.filter((name) =>
        /^NativeModule (internal\/modules\/esm\/load|internal\/fs\/promises)$/.test(name),
      ),
      [],
      "Node's ES module loader (and the fs/promises it reads files with) is not loaded",
    );
    assert.equal(modules.includes('NativeModule perf_hooks'), false, 'nothing read the global `performance`');
    process.kill(server.child.pid!, 'SIGTERM');
    assert.equal((await server.done).code, 0);
  });

  test('proxies through a latency toxic without loading node:perf_hooks', async () => {
    const echo = await startEchoServer();
    const server = startBin(['server', '--port', '0', '--log-level', 'warn'], reportingModules());
    await waitFor(() => server.output().stderr.includes('listening on'), 'the server to listen', 30_000);
    const url = /listening on (http:\/\/\S+)/.exec(server.output().stderr)![1]!;
    const created = await fetch(`${url}/proxies`, {
      method: 'POST',
      body: JSON.stringify({ name: 'echo', listen: '127.0.0.1:0', upstream: `127.0.0.1:${echo.port}` }),
    });
    const body = await created.text();
    assert.equal(created.status, 201, body);
    const { listen } = JSON.parse(body) as { listen: string };
    const toxic = await fetch(`${url}/proxies/echo/toxics`, {
      method: 'POST',
      body: JSON.stringify({ type: 'latency', attributes: { latency: 20 } }),
    });
    assert.equal(toxic.status, 200, await toxic.text());
    const socket = await connect(Number(listen.split(':').pop()));
    const started = performance.now();
    socket.write('ping');
    assert.equal((await readBytes(socket, 4)).toString(), 'ping');
    assert.ok(performance.now() - started >= 20, 'the latency toxic held the answer');
    socket.destroy();
    const modules = await modulesLoaded(server);
    assert.ok(modules.includes('NativeModule net'), 'the recording works: it saw node:net load');
    assert.equal(modules.includes('NativeModule perf_hooks'), false, 'nothing read the global `performance`');
    process.kill(server.child.pid!, 'SIGTERM');
    await server.done;
  });

  test('runs every other command from the CLI bundle', async () => {
    const version = await startBin(['--version']).done;
    assert.deepEqual(version, {
      code: 0,
      stdout: `faultline ${manifest.version} (Toxiproxy API 2.12.0)\n`,
      stderr: '',
    });

    const server = startBin(['server', '--port', '0', '--log-level', 'warn']);
    await waitFor(() => server.output().stderr.includes('listening on'), 'the server to listen', 30_000);
    const url = /listening on (http:\/\/\S+)/.exec(server.output().stderr)![1]!;
    const created = await startBin([
      '-h',
      url,
      'create',
      'cache',
      '--listen',
      '127.0.0.1:0',
      '--upstream',
      '127.0.0.1:9',
    ]).done;
    assert.equal(created.code, 0, created.stderr);
    const listed = await startBin(['-h', url, 'list']).done;
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /cache/);
    process.kill(server.child.pid!, 'SIGTERM');
    await server.done;
  });
});
