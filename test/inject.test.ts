import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import express from 'express';
import Fastify from 'fastify';
import { Registry } from 'prom-client';
import {
  createHttpFaults,
  faultCounts,
  onFault,
  registerFaultMetrics,
  withFaults,
  wrap,
} from '../src/inject/index.js';
import { explainFault } from '../src/model/fault.js';
import { parseFault } from '../src/model/fault-schema.js';
import { runNode as runHooked, switchEnv } from './inject-helpers.js';

const on = { enabled: true };

describe('wrap and withFaults', () => {
  const client = {
    calls: 0,
    async get(key: string) {
      this.calls += 1;
      return `value of ${key}`;
    },
    set(key: string, value: string, callback: (error: Error | null, reply?: string) => void) {
      setImmediate(() => callback(null, `OK ${key}=${value}`));
    },
  };

  test('switched off, the client itself comes back', () => {
    assert.equal(wrap(client, { methods: ['get'], delay: 100 }, { enabled: false }), client);
  });

  test('a delay on chosen methods; other methods untouched; `this` preserved', async () => {
    const wrapped = wrap(client, { methods: ['get'], delay: 60 }, on);
    const started = performance.now();
    assert.equal(await wrapped.get('a'), 'value of a');
    assert.ok(performance.now() - started >= 60);
    const reply = await new Promise((resolve) => wrapped.set('c', 'd', (_error, value) => resolve(value)));
    assert.equal(reply, 'OK c=d', 'unfaulted methods call the originals, right away');
    assert.notEqual(wrapped.get, client.get, 'the faulted method is replaced');
    const callsBefore = client.calls;
    await wrapped.get('b');
    assert.equal(client.calls, callsBefore + 1, '`this` is the client, so its counter moved');
  });

  test('an error on every second call, promise and callback styles', async () => {
    const wrapped = wrap(client, { methods: ['get', 'set'], error: new Error('boom'), everyNth: 2 }, on);
    const results = await Promise.allSettled([
      wrapped.get('1'),
      wrapped.get('2'),
      wrapped.get('3'),
      wrapped.get('4'),
    ]);
    assert.deepEqual(
      results.map((result) => result.status),
      ['fulfilled', 'rejected', 'fulfilled', 'rejected'],
    );
    assert.equal((results[1] as PromiseRejectedResult).reason.message, 'boom');
    const replies = await Promise.all(
      [1, 2].map(
        (n) =>
          new Promise((resolve) =>
            wrapped.set(`k${n}`, 'v', (error, reply) => resolve(error ? `error: ${error.message}` : reply)),
          ),
      ),
    );
    assert.deepEqual(replies, ['OK k1=v', 'error: boom']);
  });

  test('first N, probability with a seed (repeatable), nullify and abort', async () => {
    const firstTwo = wrap(client, { methods: ['get'], nullify: true, firstN: 2 }, on);
    assert.deepEqual(
      [await firstTwo.get('a'), await firstTwo.get('b'), await firstTwo.get('c')],
      [null, null, 'value of c'],
    );
    const pattern = async (seed: number) => {
      const wrapped = wrap(client, { methods: ['get'], abort: true, probability: 0.5, seed }, on);
      const settled = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => wrapped.get(String(i))));
      return settled.map((result) => result.status === 'rejected');
    };
    const first = await pattern(7);
    assert.deepEqual(await pattern(7), first);
    assert.ok(first.includes(true) && first.includes(false));
  });

  test('withFaults wraps one function', async () => {
    const double = withFaults(async (n: number) => n * 2, { error: 'nope', firstN: 1 }, on);
    await assert.rejects(double(1), /nope/);
    assert.equal(await double(2), 4);
  });

  test('bad faults are refused with a clear message', () => {
    assert.throws(() => wrap(client, { methods: ['get'] }, on), /a fault needs something to do/);
    assert.throws(() => wrap(client, { methods: ['get'], delay: -1 }, on), /invalid delay/);
    assert.throws(
      () => wrap(client, { methods: ['get'], status: 503 }, on),
      /"status" does not apply here; use one of error, abort, nullify/,
    );
  });

  test('each fault explains itself and is counted and published', async () => {
    assert.equal(
      explainFault(parseFault({ methods: ['get'], delay: 100, error: 'boom', everyNth: 2 })),
      'delays get calls by 100 ms, then fails them with boom, on every 2nd call',
    );
    const seen: string[] = [];
    const stop = onFault((applied) => seen.push(`${applied.fault}:${applied.effect}`));
    const wrapped = wrap(client, { name: 'counted', methods: ['get'], nullify: true }, on);
    await wrapped.get('x');
    stop();
    assert.deepEqual(seen, ['counted:nullify']);
    assert.equal(faultCounts().get('counted'), 1);
    const registry = new Registry();
    registerFaultMetrics(registry);
    assert.match(await registry.metrics(), /^faultline_injected_faults_total\{fault="counted"\} 1$/m);
  });
});

async function listen(server: http.Server): Promise<string> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  after(() => server.close());
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('HTTP server middleware', () => {
  const hello = (_request: http.IncomingMessage, response: http.ServerResponse) => response.end('hello');

  test('node:http: status by route, header scope, and run-time changes through the admin route', async () => {
    const token = 'a-test-token-of-32-characters-ok';
    const faults = createHttpFaults({
      ...on,
      faults: [{ url: '^/api', status: 503, body: 'try later' }],
      admin: { token },
    });
    const url = await listen(http.createServer(faults.wrap(hello)));
    const api = await fetch(`${url}/api/orders`);
    assert.deepEqual([api.status, await api.text()], [503, 'try later']);
    assert.equal(await (await fetch(`${url}/home`)).text(), 'hello');
    const admin = (method: string, body?: string) =>
      fetch(`${url}/__faultline/faults`, {
        method,
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        ...(body === undefined ? {} : { body }),
      });
    const replaced = await admin(
      'PUT',
      JSON.stringify([{ header: { name: 'x-chaos', value: 'on' }, status: 418 }]),
    );
    assert.match(
      ((await replaced.json()) as any).faults[0].explanation,
      /answers requests with status 418, when header x-chaos matches/,
    );
    assert.equal((await fetch(`${url}/api/orders`)).status, 200);
    assert.equal((await fetch(`${url}/api/orders`, { headers: { 'x-chaos': 'on' } })).status, 418);
    await admin('DELETE');
    assert.deepEqual(((await (await admin('GET')).json()) as any).faults, []);
    const bad = await admin('PUT', '[{"status": 42}]');
    assert.deepEqual(
      [bad.status, await bad.json()],
      [
        400,
        {
          error:
            'invalid status in fault 1: expected a final status, 200 to 599 (a 1xx is an interim answer: fetch, XHR and HTTP clients never hand one to the app), received 42',
        },
      ],
    );
  });

  test('Express: latency and a dropped connection, scoped by HTTP method', async () => {
    const app = express();
    const faults = createHttpFaults({
      ...on,
      faults: [
        { httpMethods: ['POST'], abort: true },
        { url: '^/slow', delay: 80 },
      ],
    });
    app.use(faults.middleware);
    app.all('/{*rest}', (_request, response) => {
      response.send('express');
    });
    const url = await listen(http.createServer(app));
    const started = performance.now();
    assert.equal(await (await fetch(`${url}/slow`)).text(), 'express');
    assert.ok(performance.now() - started >= 80);
    await assert.rejects(fetch(`${url}/anything`, { method: 'POST' }), /fetch failed/);
  });

  test('Fastify: error status for a percentage of requests, and a slow body', async () => {
    const app = Fastify();
    const faults = createHttpFaults({
      ...on,
      faults: [
        { url: '^/flaky', status: 500, probability: 1 },
        { url: '^/big', slowBody: 2000 },
      ],
    });
    await app.register(faults.fastify as any);
    app.get('/flaky', async () => 'fine');
    app.get('/big', async () => 'x'.repeat(600));
    await app.listen({ port: 0, host: '127.0.0.1' });
    after(() => app.close());
    const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    assert.equal((await fetch(`${url}/flaky`)).status, 500);
    const started = performance.now();
    assert.equal((await (await fetch(`${url}/big`)).text()).length, 600);
    assert.ok(performance.now() - started >= 200, '600 bytes at 2000 B/s take at least 0.2 s');
  });
});

describe('node --import faultline/register', () => {
  const runNode = (script: string, faults: unknown) =>
    runHooked(script, switchEnv('1', { FAULTLINE_FAULTS: JSON.stringify(faults) }));

  test('fetch: a status for matching URLs, and an error', async () => {
    const url = await listen(http.createServer((_request, response) => response.end('real')));
    const result = await runNode(
      `const a = await fetch('${url}/api'); const b = await fetch('${url}/other');
       let c; try { await fetch('${url}/boom'); } catch (e) { c = e.message + ' / ' + e.cause.message; }
       console.log(JSON.stringify([a.status, await b.text(), c]));`,
      [
        { target: 'fetch', url: '/api$', status: 503 },
        { target: 'fetch', url: '/boom$', error: 'connection refused by chaos' },
      ],
    );
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout), [503, 'real', 'fetch failed / connection refused by chaos']);
  });

  test('fetch: a backtracking url rule runs in linear time; a lookahead is refused at start', async () => {
    const url = await listen(http.createServer((_request, response) => response.end('real')));
    const result = await runNode(
      `const a = await fetch('${url}/${'a'.repeat(64)}!'); const b = await fetch('${url}/aaaa');
       console.log(JSON.stringify([a.status, await a.text(), b.status]));`,
      [{ target: 'fetch', url: '^[^?]*/(a+)+$', status: 503 }],
    );
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout), [200, 'real', 503]);
    const refused = await runNode('console.log(1)', [{ target: 'fetch', url: '/(?!health)', status: 503 }]);
    assert.equal(refused.code, 2);
    assert.match(
      refused.stderr,
      /^faultline\/register: url in fetch fault 1: invalid pattern "\/\(\?!health\)": .*Patterns use RE2 syntax/,
    );
  });

  test('http.request: a delay, then an error on every second request', async () => {
    const url = await listen(http.createServer((_request, response) => response.end('real')));
    const result = await runNode(
      `import http from 'node:http';
       const get = () => new Promise((resolve) => { const started = Date.now();
         http.get('${url}/x', (res) => { res.resume(); res.on('end', () => resolve('ok ' + (Date.now() - started >= 50))); })
           .on('error', (e) => resolve('error ' + e.message)); });
       console.log(JSON.stringify([await get(), await get(), await get(), await get()]));`,
      [
        { target: 'http', delay: 50 },
        { target: 'http', error: 'reset by chaos', everyNth: 2 },
      ],
    );
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(
      JSON.parse(result.stdout),
      ['ok true', 'ok true', 'ok true', 'ok true'],
      'the delay fault is picked first',
    );
    const errors = await runNode(
      `import http from 'node:http';
       const get = () => new Promise((resolve) => http.get('${url}/x', (res) => { res.resume(); res.on('end', () => resolve('ok')); }).on('error', (e) => resolve('error ' + e.message)));
       console.log(JSON.stringify([await get(), await get(), await get(), await get()]));`,
      [{ target: 'http', error: 'reset by chaos', everyNth: 2 }],
    );
    assert.deepEqual(JSON.parse(errors.stdout), ['ok', 'error reset by chaos', 'ok', 'error reset by chaos']);
  });

  test('fs: EIO on the 2nd write, ENOSPC from the 3rd append on, EACCES on every 2nd open from the 1st', async () => {
    const script = `import fs from 'node:fs'; import { writeFileSync, promises } from 'node:fs'; import os from 'node:os'; import path from 'node:path';
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fl-'));
      const attempt = async (f) => { try { await f(); return 'ok'; } catch (e) { return e.code + ' ' + e.syscall; } };
      const writes = []; for (let i = 0; i < 3; i++) writes.push(await attempt(() => writeFileSync(path.join(dir, 'w' + i), 'x')));
      const appends = []; for (let i = 0; i < 4; i++) appends.push(await attempt(() => promises.appendFile(path.join(dir, 'log'), 'x')));
      const opens = []; for (let i = 0; i < 4; i++) opens.push(await attempt(() => new Promise((ok, fail) => fs.open(path.join(dir, 'o'), 'w', (e, fd) => e ? fail(e) : (fs.closeSync(fd), ok())))));
      console.log(JSON.stringify({ writes, appends, opens })); fs.rmSync(dir, { recursive: true });`;
    const result = await runNode(script, [
      { target: 'fs', syscall: 'write', path: '/w\\d$', errno: 'EIO', when: '2' },
      { target: 'fs', syscall: 'write', path: '/log$', errno: 'ENOSPC', when: '3+' },
      { target: 'fs', syscall: 'open', path: '/o$', errno: 'EACCES', when: '1+2' },
    ]);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout), {
      writes: ['ok', 'EIO write', 'ok'],
      appends: ['ok', 'ok', 'ENOSPC write', 'ENOSPC write'],
      opens: ['EACCES open', 'ok', 'EACCES open', 'ok'],
    });
  });

  test('a key written twice in FAULTLINE_FAULTS stops the process, naming the key', async () => {
    const result = await runHooked(
      'console.log("the app ran")',
      switchEnv('1', { FAULTLINE_FAULTS: '[{"target":"http",\n  "delay":200, "delay":5000}]' }),
    );
    assert.equal(result.code, 2);
    assert.equal(result.stdout, '');
    assert.equal(
      result.stderr,
      "faultline/register: FAULTLINE_FAULTS has a duplicate key 'delay' (first written at line 2); JSON.parse would keep only the last value, so write each key once\n",
    );
  });

  test('a FAULTLINE_FAULTS file that cannot be read stops the process, naming the variable and the file', async () => {
    const missing = path.join(os.tmpdir(), 'faultline-no-such-faults.json');
    const result = await runHooked(
      'console.log("the app ran")',
      switchEnv('1', { FAULTLINE_FAULTS: `@${missing}` }),
    );
    assert.equal(result.code, 2);
    assert.equal(result.stdout, '');
    assert.match(
      result.stderr,
      new RegExp(
        `^faultline/register: FAULTLINE_FAULTS names the file ${missing.replaceAll('.', '\\.')} \\(after @\\), which cannot be read: ENOENT: .*; give a readable JSON or YAML file, or the JSON list itself\n$`,
      ),
    );
  });

  test('methods on a fetch fault stops the process, pointing to httpMethods', async () => {
    const result = await runNode('console.log("the app ran")', [
      { target: 'fetch', methods: ['post'], status: 503 },
    ]);
    assert.equal(result.code, 2);
    assert.equal(
      result.stderr,
      'faultline/register: fetch fault 1: "methods" names client methods for wrap() and never matches an HTTP request; for HTTP methods write "httpMethods": ["post"]\n',
    );
  });

  test('bad configuration stops the process with the reason', async () => {
    const result = await runNode('console.log(1)', [
      { target: 'fs', syscall: 'write', errno: 'EIO', when: 'sometimes' },
    ]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /faultline\/register: invalid when "sometimes": use N/);
  });
});

describe('the shared decision logic', () => {
  test('a time window, HTTP method and header filters, counted among matching calls only', async () => {
    const { createDecider } = await import('../src/model/fault.js');
    let now = 0;
    const decider = createDecider(
      parseFault({
        delay: 1,
        window: { afterMs: 100, untilMs: 200 },
        httpMethods: ['POST'],
        header: { name: 'X-Tenant', value: '^beta' },
      }),
      { now: () => now },
    );
    const post = { httpMethod: 'POST', headers: { 'x-tenant': 'beta-1' } };
    assert.equal(decider.decide(post), false, 'before the window');
    now = 150;
    assert.equal(decider.decide(post), true);
    assert.equal(decider.decide({ ...post, httpMethod: 'GET' }), false);
    assert.equal(decider.decide({ httpMethod: 'POST', headers: { 'x-tenant': 'alpha' } }), false);
    now = 200;
    assert.equal(decider.decide(post), false, 'after the window');
  });
});
