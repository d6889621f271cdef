import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, describe, test } from 'node:test';
import { abortError, arm, choose, errorOf } from '../src/inject/apply.js';
import { type FaultApplied, faultCounts, onFault, recordFault } from '../src/inject/events.js';
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
    const [armed, delayed] = arm(
      [{ error: Object.assign(new TypeError('nope'), { code: 'E_NOPE' }) }, { delay: 1 }],
      ['error'],
      'fault',
      { label: (fault) => `arm-test-${fault.delay ?? 0}` },
    );
    assert.deepEqual([armed!.name, delayed!.name], ['arm-test-0-error', 'arm-test-1-delay']);
    const [again] = arm([{ error: 'x' }], ['error'], 'fault', { label: () => 'arm-test-0' });
    assert.equal(again!.name, 'arm-test-0-error-2', 'an unnamed fault never takes the name of another');
    const [third] = arm([{ error: 'x' }], ['error'], 'fault', { label: () => 'arm-test-0' });
    assert.equal(third!.name, 'arm-test-0-error-3');
    const [plain] = arm([{ abort: true }], ['abort'], 'fault');
    assert.match(plain!.name, /^fault-abort(-\d+)?$/);
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

  test('arm refuses filters the calls it sees never have; without sees, any filter goes', () => {
    assert.throws(() => arm([{ url: '^/a', error: 'x' }], ['error'], 'call fault', { sees: 'calls' }), {
      code: 'FAULTLINE_ERR_INVALID_FIELD',
      message:
        'call fault 1: "url" filters HTTP requests and never matches a method call; drop it, or use "methods" to choose methods',
    });
    assert.throws(() => arm([{ header: { name: 'x' }, delay: 1 }], ['error'], 'f', { sees: 'calls' }), {
      message: /^f 1: "header" filters HTTP requests/,
    });
    assert.throws(
      () => arm([{ methods: ['get', 'set'], delay: 1 }], ['error'], 'fetch fault', { sees: 'requests' }),
      {
        code: 'FAULTLINE_ERR_INVALID_FIELD',
        message:
          'fetch fault 1: "methods" names client methods for wrap() and never matches an HTTP request; for HTTP methods write "httpMethods": ["get","set"]',
      },
    );
    assert.equal(arm([{ methods: ['get'], delay: 1 }], ['error'], 'f', { sees: 'calls' }).length, 1);
    assert.equal(
      arm([{ url: '^/a', httpMethods: ['GET'], header: { name: 'x' }, delay: 1 }], ['error'], 'f', {
        sees: 'requests',
      }).length,
      1,
    );
    assert.equal(arm([{ methods: ['get'], url: '^/a', delay: 1 }], ['error'], 'f').length, 1);
  });

  test('choose returns the first fault that applies, recorded once when it took effect, with "delay" for a delay alone', () => {
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
    const delayed = choose(faults, { url: '/a' }, 'fetch');
    const failed = choose(faults, { url: '/b' }, 'fetch');
    assert.deepEqual(
      [delayed?.fault.delay, failed?.fault.status, seen],
      [1, 503, []],
      'nothing recorded yet',
    );
    delayed?.tookEffect();
    failed?.tookEffect();
    failed?.tookEffect();
    stop();
    assert.deepEqual(
      seen.map((applied) => [applied.fault, applied.target, applied.effect, applied.call.url]),
      [
        ['pick-a', 'fetch', 'delay', '/a'],
        ['pick-b', 'fetch', 'status', '/b'],
      ],
    );
    assert.equal(faultCounts().get('pick-b'), before + 1);
    assert.equal(choose(arm([{ url: '^/z', delay: 1 }], [], 'fault'), { url: '/a' }, 'fetch'), undefined);
  });
});

describe('fault events', () => {
  test('credential headers are masked in what listeners get; the request keeps its own', () => {
    const seen: FaultApplied[] = [];
    const stop = onFault((applied) => seen.push(applied));
    const headers = {
      authorization: 'Bearer s3cret',
      'proxy-authorization': 'Basic czNjcmV0',
      cookie: 'session=s3cret',
      accept: 'text/html',
    };
    try {
      recordFault({
        fault: 'events-masked',
        target: 'http-server',
        effect: 'status',
        call: { url: '/', headers },
      });
      recordFault({
        fault: 'events-partial',
        target: 'http-server',
        effect: 'status',
        call: { url: '/', headers: { accept: '*/*' } },
      });
      recordFault({ fault: 'events-plain', target: 'call', effect: 'error', call: { method: 'get' } });
    } finally {
      stop();
    }
    assert.deepEqual(
      seen.map((applied) => applied.call),
      [
        {
          url: '/',
          headers: { authorization: '***', 'proxy-authorization': '***', cookie: '***', accept: 'text/html' },
        },
        { url: '/', headers: { accept: '*/*' } },
        { method: 'get' },
      ],
    );
    assert.equal(headers.authorization, 'Bearer s3cret', 'the request itself is not changed');
    assert.equal(faultCounts().get('events-masked'), 1);
  });
});

describe('arming faults: what is not a fault is refused, Error objects become data', () => {
  test('a string, null or a number is refused as a fault, not taken apart', () => {
    for (const [value, received] of [
      ['boom', '"boom"'],
      [null, 'null'],
      [5, '5'],
    ] as const) {
      assert.throws(() => arm(value, ['error'], 'fault'), {
        code: 'FAULTLINE_ERR_INVALID_FIELD',
        reason: 'invalid value in fault 1',
        hint: `expected an object with keys name, delay, error, status, body, abort, nullify, slowBody, methods, url, httpMethods, header, everyNth, firstN, probability, seed, window, received ${received}`,
      });
    }
  });

  test('an Error without a code keeps no code; the fault given is not changed', () => {
    const error = new RangeError('out of range');
    const given = { error };
    const [armed] = arm(given, ['error'], 'fault');
    assert.deepEqual(armed!.decider.fault.error, { message: 'out of range', name: 'RangeError' });
    assert.equal(given.error, error);
  });

  test('an Error with more properties (a system error) keeps its message, name and code only', () => {
    const systemError = Object.assign(new Error('EIO: i/o error, read'), {
      code: 'EIO',
      errno: -5,
      syscall: 'read',
    });
    const [armed] = arm({ error: systemError }, ['error'], 'fault');
    assert.deepEqual(armed!.decider.fault.error, {
      message: 'EIO: i/o error, read',
      name: 'Error',
      code: 'EIO',
    });
  });

  test('errorOf: a name without a code, a code without a name', () => {
    const named = errorOf(parseFault({ error: { message: 'm', name: 'Named' } }));
    assert.deepEqual([named.name, named.message, 'code' in named], ['Named', 'm', false]);
    const coded = errorOf(parseFault({ error: { message: 'c', code: 'ECODE' } }));
    assert.deepEqual(
      [coded.name, coded.message, (coded as NodeJS.ErrnoException).code],
      ['Error', 'c', 'ECODE'],
    );
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

describe('outbound fetch faults: what a fault sees of the call', () => {
  test('the full URL and the method, from init, from a Request, or GET', async () => {
    const seen: Array<[string, string | undefined]> = [];
    const targets = new Set<string>();
    const stop = onFault((applied) => {
      targets.add(applied.target);
      seen.push([applied.call.url ?? '', applied.call.httpMethod]);
    });
    const undo = installFetchFaults(
      arm(
        [
          { url: '^http://127\\.0\\.0\\.1:9/put$', httpMethods: ['PUT'], status: 418 },
          { url: '^http://127\\.0\\.0\\.1:9/any$', status: 419 },
        ],
        ['status'],
        'fetch fault',
      ),
    );
    try {
      const statuses = [
        (await fetch(new Request('http://127.0.0.1:9/put', { method: 'PUT' }))).status,
        (await fetch('http://127.0.0.1:9/put', { method: 'PUT' })).status,
        (await fetch(new URL('http://127.0.0.1:9/any'))).status,
      ];
      assert.deepEqual(statuses, [418, 418, 419]);
      assert.equal(
        await (await fetch(new Request(`${base}/put`, { method: 'POST', body: 'x' }))).text(),
        'real POST /put',
      );
    } finally {
      undo();
      stop();
    }
    assert.deepEqual([...targets], ['fetch']);
    assert.deepEqual(seen, [
      ['http://127.0.0.1:9/put', 'PUT'],
      ['http://127.0.0.1:9/put', 'PUT'],
      ['http://127.0.0.1:9/any', 'GET'],
    ]);
  });

  test('a delay comes before a status answer', async () => {
    const undo = installFetchFaults(
      arm([{ url: '/slow-status$', delay: 30, status: 504 }], ['status'], 'fetch fault'),
    );
    try {
      const started = performance.now();
      const response = await fetch('http://127.0.0.1:9/slow-status');
      assert.equal(response.status, 504);
      assert.ok(performance.now() - started >= 30, 'the delay held the answer back');
    } finally {
      undo();
    }
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

  test('a fault sees the full URL and the method; a delay comes before an error', async () => {
    const port = (server.address() as AddressInfo).port;
    const seen: Array<[string, string | undefined]> = [];
    const targets = new Set<string>();
    const stop = onFault((applied) => {
      targets.add(applied.target);
      seen.push([applied.call.url ?? '', applied.call.httpMethod]);
    });
    const undo = installHttpFaults(
      arm(
        [
          { url: `^http://127\\.0\\.0\\.1:${port}/put$`, httpMethods: ['PUT'], abort: true },
          { url: '/late-error$', delay: 30, error: 'late' },
          { url: '^http://127\\.0\\.0\\.1/no-host$', error: 'no host header' },
        ],
        ['error', 'abort'],
        'http fault',
      ),
    );
    const send = (method: string, path: string) =>
      new Promise<string>((resolve) => {
        const client = http.request(`${base}${path}`, { method }, (response) => {
          let body = '';
          response.on('data', (chunk) => (body += chunk));
          response.on('end', () => resolve(body));
        });
        client.on('error', (error: NodeJS.ErrnoException) => resolve(`error ${error.message}`));
        assert.equal(client.end(), client);
      });
    try {
      const withoutHost = http.request({ host: '127.0.0.1', port, path: '/no-host', setHost: false });
      const withoutHostFailed = new Promise<string>((resolve) =>
        withoutHost.on('error', (error) => resolve(error.message)),
      );
      withoutHost.end();
      assert.equal(await withoutHostFailed, 'no host header');
      assert.equal(await send('PUT', '/put'), 'error socket hang up');
      assert.equal(await send('POST', '/put'), 'real POST /put');
      const started = performance.now();
      assert.equal(await send('GET', '/late-error'), 'error late');
      assert.ok(performance.now() - started >= 30, 'the delay came first');
    } finally {
      undo();
      stop();
    }
    assert.deepEqual([...targets], ['http-client']);
    assert.deepEqual(seen, [
      ['http://127.0.0.1/no-host', 'GET'],
      [`http://127.0.0.1:${port}/put`, 'PUT'],
      [`http://127.0.0.1:${port}/late-error`, 'GET'],
    ]);
  });

  test('https.request and https.get are patched too, with an https: URL, and restored', async () => {
    const originalRequest = https.request;
    const originalGet = https.get;
    const seen: string[] = [];
    const stop = onFault((applied) => seen.push(applied.call.url ?? ''));
    const undo = installHttpFaults(
      arm([{ url: '^https://faultline\\.invalid/', abort: true }], ['abort'], 'http fault'),
    );
    // A lookup that never answers: the request never leaves this process.
    const lookup = () => undefined;
    const failed = (client: http.ClientRequest) =>
      new Promise<string>((resolve) =>
        client.on('error', (error: NodeJS.ErrnoException) => resolve(`${error.code ?? ''} ${error.message}`)),
      );
    try {
      const request = https.request('https://faultline.invalid/request', { lookup });
      const requestFailed = failed(request);
      request.end();
      assert.equal(await requestFailed, 'ECONNRESET socket hang up');
      assert.equal(
        await failed(https.get('https://faultline.invalid/get', { lookup })),
        'ECONNRESET socket hang up',
      );
    } finally {
      undo();
      stop();
    }
    assert.deepEqual(seen, ['https://faultline.invalid/request', 'https://faultline.invalid/get']);
    assert.equal(https.request, originalRequest);
    assert.equal(https.get, originalGet);
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
