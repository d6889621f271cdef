import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runNode, startApp, switchEnv } from './inject-helpers.js';

/** Off means off: with FAULTLINE_INJECT unset (or 0, false, empty) no entry point injects anything. */
const offPositions: Array<[string, string | undefined]> = [
  ['unset', undefined],
  ['0', '0'],
  ['false', 'false'],
  ['empty', ''],
  ['enabled (not a value that turns them on)', 'enabled'],
];
const token = 'off-means-off-token-0123456789ab';
const index = fileURLToPath(new URL('../src/inject/index.js', import.meta.url));

const upstream = http.createServer((_request, response) => response.end('real'));
upstream.listen(0, '127.0.0.1');
await once(upstream, 'listening');
after(() => upstream.close());
const upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;

describe('wrap and withFaults', () => {
  const script = `const { wrap, withFaults } = await import(${JSON.stringify(index)});
    const client = { async get() { return 'real'; } };
    const fn = async () => 'real';
    const wrapped = wrap(client, { methods: ['get'], error: 'boom' });
    const faulty = withFaults(fn, { error: 'boom' });
    const settle = (p) => p.then((v) => v, (e) => 'error ' + e.message);
    console.log(JSON.stringify([wrapped === client, faulty === fn, await settle(wrapped.get()), await settle(faulty())]));`;

  for (const [name, value] of offPositions) {
    test(`FAULTLINE_INJECT ${name}: the client and the function come back untouched`, async () => {
      const result = await runNode(script, switchEnv(value), false);
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(JSON.parse(result.stdout), [true, true, 'real', 'real']);
    });
  }

  test('FAULTLINE_INJECT=1: the same code injects', async () => {
    const result = await runNode(script, switchEnv('1'), false);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout), [false, false, 'error boom', 'error boom']);
  });
});

describe('HTTP middleware', () => {
  const options = { faults: [{ url: '^/', status: 503 }], admin: { token } };
  const putFaults = (url: string) =>
    fetch(`${url}/__faultline/faults`, {
      method: 'PUT',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: '[{"status": 418}]',
    });

  for (const framework of ['http', 'express', 'fastify'] as const) {
    test(`${framework}, switch unset: no fault and no admin route, the app answers everything`, async () => {
      const app = await startApp(framework, options, undefined);
      assert.equal(app.enabled, false);
      const home = await fetch(`${app.url}/home`);
      assert.deepEqual([home.status, await home.text()], [200, 'app GET /home']);
      const admin = await putFaults(app.url);
      assert.deepEqual([admin.status, await admin.text()], [200, 'app PUT /__faultline/faults']);
      assert.equal((await fetch(`${app.url}/home`)).status, 200);
    });
  }

  test('http, switch on: the same options inject and serve the admin route', async () => {
    const app = await startApp('http', options, '1');
    assert.equal(app.enabled, true);
    assert.equal((await fetch(`${app.url}/home`)).status, 503);
    assert.equal((await putFaults(app.url)).status, 200);
    assert.equal((await fetch(`${app.url}/home`)).status, 418);
  });
});

describe('node --import faultline/register', () => {
  const faults = JSON.stringify([
    { target: 'fetch', status: 503 },
    { target: 'http', error: 'reset by chaos' },
    { target: 'fs', syscall: 'write', errno: 'EIO' },
  ]);
  const script = `import fs from 'node:fs'; import http from 'node:http'; import os from 'node:os'; import path from 'node:path';
    const fetched = await fetch('${upstreamUrl}/a').then((r) => String(r.status), (e) => 'error ' + e.message);
    const requested = await new Promise((resolve) => http.get('${upstreamUrl}/b', (r) => { r.resume(); r.on('end', () => resolve('ok')); }).on('error', (e) => resolve('error ' + e.message)));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fl-off-'));
    let written = 'ok'; try { fs.writeFileSync(path.join(dir, 'f'), Buffer.from('x')); } catch (e) { written = e.code; }
    fs.rmSync(dir, { recursive: true });
    console.log(JSON.stringify([fetched, requested, written]));`;

  for (const [name, value] of offPositions) {
    test(`FAULTLINE_INJECT ${name}: fetch, http and fs are not patched, and stderr says why`, async () => {
      const result = await runNode(script, switchEnv(value, { FAULTLINE_FAULTS: faults }));
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(JSON.parse(result.stdout), ['200', 'ok', 'ok']);
      const why =
        value === undefined || value === ''
          ? 'FAULTLINE_INJECT is not'
          : `FAULTLINE_INJECT is "${value}", which is off (on is 1, true, on or yes)`;
      assert.equal(
        result.stderr,
        `faultline/register: FAULTLINE_FAULTS is set but ${why}; no faults installed (set FAULTLINE_INJECT=1 to turn them on)\n`,
      );
    });
  }

  test('FAULTLINE_INJECT off: a broken FAULTLINE_FAULTS is not even read', async () => {
    const result = await runNode(
      'console.log("ran")',
      switchEnv(undefined, { FAULTLINE_FAULTS: '{not json' }),
    );
    assert.deepEqual([result.code, result.stdout], [0, 'ran\n']);
  });

  test('FAULTLINE_INJECT=1: the same faults apply', async () => {
    const result = await runNode(script, switchEnv('1', { FAULTLINE_FAULTS: faults }));
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout), ['503', 'error reset by chaos', 'EIO']);
    assert.equal(result.stderr, '');
  });

  test('FAULTLINE_INJECT=1 without FAULTLINE_FAULTS: says that nothing was installed', async () => {
    const result = await runNode('console.log("ran")', switchEnv('1'));
    assert.deepEqual(
      [result.code, result.stdout, result.stderr],
      [
        0,
        'ran\n',
        'faultline/register: FAULTLINE_INJECT is on but FAULTLINE_FAULTS is empty; no faults installed\n',
      ],
    );
  });
});
