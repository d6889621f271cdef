import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { browserScript } from '../src/browser/bundle.js';
import { arm } from '../src/inject/apply.js';
import { type FaultApplied, onFault } from '../src/inject/events.js';
import { installFsFaults } from '../src/inject/fs-faults.js';
import { createHttpFaults } from '../src/inject/http-middleware.js';
import { withFaults, wrap } from '../src/inject/wrap.js';
import { runNode, switchEnv } from './inject-helpers.js';

const on = { enabled: true };
const twice = [
  { name: 'slow-cache', error: 'boom' },
  { name: 'slow-cache', abort: true as const },
];
const refusal = (place: string) =>
  `${place} 2: the name "slow-cache" is already the name of ${place} 1; events and faultCounts() tell faults apart by name, so give each fault its own name, or leave name out and faultline names it`;

describe('a fault name given twice in one list is refused, naming both', () => {
  test('wrap and withFaults', () => {
    assert.throws(() => wrap({ get: () => 1 }, twice, on), {
      code: 'FAULTLINE_ERR_INVALID_FIELD',
      message: refusal('fault'),
    });
    assert.throws(() => withFaults(() => 1, twice, on), { message: refusal('fault') });
  });

  test('createHttpFaults, its set() and the admin route, which keep the faults in place', async () => {
    assert.throws(() => createHttpFaults({ ...on, faults: twice }), { message: refusal('fault') });
    const token = 'a-test-token-of-32-characters-ok';
    const faults = createHttpFaults({ ...on, faults: [{ name: 'kept', status: 503 }], admin: { token } });
    assert.throws(() => faults.set(twice), { message: refusal('fault') });
    const server = http.createServer(faults.wrap((_request, response) => response.end('hello')));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    after(() => server.close());
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const put = await fetch(`${url}/__faultline/faults`, {
      method: 'PUT',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(twice),
    });
    assert.deepEqual([put.status, await put.json()], [400, { error: refusal('fault') }]);
    assert.equal((await fetch(`${url}/home`)).status, 503, 'the faults in place stay');
  });

  test('the browser script', () => {
    assert.throws(() => browserScript(twice), { message: refusal('browser fault') });
  });

  test('fs faults', () => {
    const named = [
      { name: 'slow-cache', syscall: 'write', errno: 'EIO' },
      { name: 'slow-cache', syscall: 'read', errno: 'EIO' },
    ];
    assert.throws(() => installFsFaults(named), { message: refusal('fs fault') });
  });

  test('FAULTLINE_FAULTS, across targets: the process stops at start', async () => {
    const result = await runNode(
      'console.log("the app ran")',
      switchEnv('1', {
        FAULTLINE_FAULTS: JSON.stringify([
          { target: 'fetch', name: 'slow-cache', status: 503 },
          { target: 'fs', name: 'slow-cache', syscall: 'write', errno: 'EIO' },
        ]),
      }),
    );
    assert.equal(result.code, 2);
    assert.equal(result.stdout, '');
    assert.equal(result.stderr.trim(), `faultline/register: ${refusal('FAULTLINE_FAULTS entry')}`);
  });
});

describe('a fault left unnamed never takes a name in use', () => {
  test('a name given by hand in the same list is skipped', () => {
    const armed = arm([{ name: 'dup-test-error', error: 'a' }, { error: 'b' }], ['error'], 'fault', {
      label: () => 'dup-test',
    });
    assert.deepEqual(
      armed.map(({ name }) => name),
      ['dup-test-error', 'dup-test-error-2'],
    );
  });

  test('two unnamed fs faults on the same syscall and errno are told apart', (context) => {
    const work = mkdtempSync(path.join(os.tmpdir(), 'faultline-names-'));
    context.after(() => rmSync(work, { recursive: true, force: true }));
    for (const file of ['a', 'b']) writeFileSync(path.join(work, file), '');
    const seen: string[] = [];
    const stop = onFault((applied: FaultApplied) => seen.push(applied.fault));
    const uninstall = installFsFaults([
      { syscall: 'unlink', errno: 'EACCES', path: '/a$' },
      { syscall: 'unlink', errno: 'EACCES', path: '/b$' },
    ]);
    try {
      for (const file of ['a', 'b'])
        assert.throws(() => fs.unlinkSync(path.join(work, file)), { code: 'EACCES' });
    } finally {
      uninstall();
      stop();
    }
    assert.equal(new Set(seen).size, 2, `two names: ${seen.join(', ')}`);
  });
});
