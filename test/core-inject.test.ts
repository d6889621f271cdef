import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, test } from 'node:test';
import { abortError, arm, errorOf, pick } from '../src/inject/apply.js';
import { type FaultApplied, faultCounts, onFault } from '../src/inject/events.js';
import { installFetchFaults, installHttpFaults } from '../src/inject/outbound.js';
import { parseFault } from '../src/model/fault-schema.js';

const server = http.createServer((request, response) =>
  response.end(`real ${request.method} ${request.url}`),
);
server.listen(0, '127.0.0.1');
await once(server, 'listening');
after(() => server.close());
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

describe('applying a fault', () => {
  test('errorOf: a string, an object with name and code, or the default', () => {
    const plain = errorOf(parseFault({ error: 'boom' }));
    assert.deepEqual([plain.name, plain.message, 'code' in plain], ['Error', 'boom', false]);
    const shaped = errorOf(
      parseFault({ error: { name: 'RedisError', message: 'LOADING', code: 'ELOADING' } }),
    );
    assert.deepEqual(
      [shaped.name, shaped.message, (shaped as NodeJS.ErrnoException).code],
      ['RedisError', 'LOADING', 'ELOADING'],
    );
    assert.equal(errorOf(parseFault({ delay: 1 })).message, 'injected fault');
    const aborted = abortError();
    assert.deepEqual(
      [aborted.name, (aborted as NodeJS.ErrnoException).code, aborted.message],
      ['AbortError', 'ABORT_ERR', 'The operation was aborted by an injected fault'],
    );
  });

  test('arm turns Error objects into data, names faults, and refuses effects that do not apply', () => {
    const [armed] = arm(
      [{ error: Object.assign(new TypeError('nope'), { code: 'E_NOPE' }) }],
      ['error'],
      'fault',
    );
    assert.equal(armed!.name, 'fault-1');
    assert.deepEqual(armed!.decider.fault.error, { message: 'nope', name: 'TypeError', code: 'E_NOPE' });
    const [named] = arm({ name: 'slow', delay: 3 }, ['error'], 'fault');
    assert.equal(named!.name, 'slow');
    assert.throws(() => arm([{ delay: 1 }, { status: 500 }], ['error', 'abort'], 'call fault'), {
      code: 'FAULTLINE_ERR_INVALID_FIELD',
      message: 'call fault 2: "status" does not apply here; use one of error, abort',
    });
    assert.throws(() => arm([{ delay: -1 }], ['error'], 'fault'), {
      code: 'FAULTLINE_ERR_INVALID_FIELD',
      reason: 'invalid delay in fault 1',
      hint: 'Too small: expected number to be >=0, received -1',
    });
  });

  test('pick returns the first fault that applies and records it, with "delay" for a delay alone', () => {
    const seen: FaultApplied[] = [];
    const stop = onFault((applied) => seen.push(applied));
    const faults = arm(
      [
        { name: 'pick-a', url: '^/a', delay: 1 },
        { name: 'pick-b', status: 503 },
      ],
      ['status'],
      'fault',
    );
    const before = faultCounts().get('pick-b') ?? 0;
    assert.equal(pick(faults, { url: '/a' }, 'fetch')?.delay, 1);
    assert.equal(pick(faults, { url: '/b' }, 'fetch')?.status, 503);
    stop();
    assert.deepEqual(
      seen.map((applied) => [applied.fault, applied.target, applied.effect, applied.call.url]),
      [
        ['pick-a', 'fetch', 'delay', '/a'],
        ['pick-b', 'fetch', 'status', '/b'],
      ],
    );
    assert.equal(faultCounts().get('pick-b'), before + 1);
    assert.equal(pick(arm([{ url: '^/z', delay: 1 }], [], 'fault'), { url: '/a' }, 'fetch'), undefined);
  });
});

describe('outbound fetch faults, in this process', () => {
  test('status answers without a network call; error and abort reject as fetch does; others pass; undo restores', async () => {
    const original = globalThis.fetch;
    const undo = installFetchFaults(
      arm(
        [
          { url: '/status$', status: 503 },
          { url: '/custom$', status: 429, body: 'slow down' },
          { url: '/error$', error: 'refused by chaos' },
          { url: '/abort$', abort: true },
          { url: '/late$', delay: 30 },
        ],
        ['error', 'status', 'abort'],
        'fetch fault',
      ),
    );
    try {
      const status = await fetch('http://127.0.0.1:9/status');
      assert.deepEqual(
        [status.status, status.headers.get('x-faultline-fault'), await status.text()],
        [503, 'injected', 'injected fault: status 503'],
      );
      assert.equal(await (await fetch('http://127.0.0.1:9/custom')).text(), 'slow down');
      await assert.rejects(fetch(`${base}/error`), (error: TypeError) => {
        assert.equal(error.message, 'fetch failed');
        assert.equal((error.cause as Error).message, 'refused by chaos');
        return true;
      });
      await assert.rejects(fetch(`${base}/abort`), { name: 'AbortError' });
      const started = performance.now();
      assert.equal(await (await fetch(`${base}/late`, { method: 'POST' })).text(), 'real POST /late');
      assert.ok(performance.now() - started >= 30, 'the delay held the request back');
      assert.equal(await (await fetch(new Request(`${base}/other`))).text(), 'real GET /other');
      assert.equal(await (await fetch(new URL(`${base}/url`))).text(), 'real GET /url');
    } finally {
      undo();
    }
    assert.equal(globalThis.fetch, original);
  });
});

describe('outbound http.request faults, in this process', () => {
  const get = (path: string) =>
    new Promise<string>((resolve) =>
      http
        .get(`${base}${path}`, (response) => {
          let body = '';
          response.on('data', (chunk) => (body += chunk));
          response.on('end', () => resolve(body));
        })
        .on('error', (error: NodeJS.ErrnoException) => resolve(`error ${error.code ?? ''} ${error.message}`)),
    );

  test('error and abort destroy the request; a delay holds it back; others pass; undo restores', async () => {
    const originalRequest = http.request;
    const undo = installHttpFaults(
      arm(
        [
          { url: '/error$', error: { message: 'reset by chaos', code: 'ECHAOS' } },
          { url: '/abort$', abort: true },
          { url: '/late$', delay: 30 },
        ],
        ['error', 'abort'],
        'http fault',
      ),
    );
    try {
      assert.equal(await get('/error'), 'error ECHAOS reset by chaos');
      assert.equal(await get('/abort'), 'error ECONNRESET socket hang up');
      const started = performance.now();
      assert.equal(await get('/late'), 'real GET /late');
      assert.ok(performance.now() - started >= 30, 'the delay held the request back');
      assert.equal(await get('/plain'), 'real GET /plain');
    } finally {
      undo();
    }
    assert.equal(http.request, originalRequest);
  });

  test('undo restores http.get too', async () => {
    const originalGet = http.get;
    const undo = installHttpFaults(arm([{ url: '/after-undo$', abort: true }], ['abort'], 'http fault'));
    undo();
    const restored = http.get === originalGet;
    http.get = originalGet;
    assert.equal(restored, true);
  });
});
