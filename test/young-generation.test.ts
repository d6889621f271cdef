import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import http from 'node:http';
import type net from 'node:net';
import { after, describe, it } from 'node:test';
import '../src/cli/server-heap.js';
import {
  httpBytes,
  QUIET_BEFORE_SHRINKING_MS,
  v8Heap,
  type YoungGenerationHeap,
  YoungGenerationPolicy,
} from '../src/cli/young-generation.js';
import { Pool } from 'undici';
import { parseProxyCreate } from '../src/model/proxy-spec.js';
import { connect, createProxy, startEchoServer, startHarness, tempDirectory, waitFor } from './helpers.js';

/** A stand-in heap that records what the policy asked of it. */
function fakeHeap(startSize: number) {
  const calls: string[] = [];
  const heap: YoungGenerationHeap & { current: number } = {
    current: startSize,
    allowGrowth: (allowed) => calls.push(allowed ? 'grow' : 'hold'),
    size: () => heap.current,
    collect: () => calls.push('collect'),
  };
  return { heap, calls };
}

const settings = { checkEveryMs: 1000, idleAfterMs: 3000 };

/** A policy on a fake heap of 1 KiB that has seen its first traffic (one check, one grow). */
function afterFirstTraffic() {
  const { heap, calls } = fakeHeap(1024);
  const traffic = { bytes: 0 };
  const policy = new YoungGenerationPolicy(heap, () => traffic.bytes, settings);
  traffic.bytes = 1;
  policy.check();
  return { heap, calls, policy, traffic };
}

describe('young generation policy', () => {
  it('leaves the heap alone while no HTTP traffic moves', () => {
    const { heap, calls } = fakeHeap(1024);
    const policy = new YoungGenerationPolicy(heap, () => 500, settings);
    for (let i = 0; i < 10; i++) policy.check();
    assert.deepEqual(calls, []);
  });

  it('lets the young generation grow once traffic moves, and asks only once while it goes on', () => {
    const { heap, calls } = fakeHeap(1024);
    let traffic = 0;
    const policy = new YoungGenerationPolicy(heap, () => traffic, settings);
    for (let i = 1; i <= 5; i++) {
      traffic += 100;
      policy.check();
    }
    assert.deepEqual(calls, ['grow']);
  });

  it('holds and collects a grown young generation after idleAfterMs without traffic, not before', () => {
    const { heap, calls, policy } = afterFirstTraffic();
    heap.current = 32 * 1024;
    policy.check();
    policy.check();
    assert.deepEqual(calls, ['grow'], 'two quiet seconds of three');
    policy.check();
    assert.deepEqual(calls, ['grow', 'hold', 'collect']);
  });

  it('holds without collecting when the young generation kept its size', () => {
    const { calls, policy } = afterFirstTraffic();
    for (let i = 0; i < 3; i++) policy.check();
    assert.deepEqual(calls, ['grow', 'hold']);
    for (let i = 0; i < 9; i++) policy.check();
    assert.deepEqual(calls, ['grow', 'hold'], 'nothing more while quiet and small');
  });

  it('collects again only after another quiet spell while V8 keeps it grown, and stops once it shrank', () => {
    const { heap, calls, policy } = afterFirstTraffic();
    heap.current = 16 * 1024;
    for (let i = 0; i < 3; i++) policy.check();
    assert.deepEqual(calls, ['grow', 'hold', 'collect']);
    policy.check();
    policy.check();
    assert.deepEqual(calls, ['grow', 'hold', 'collect'], 'not at every check');
    policy.check();
    assert.deepEqual(calls, ['grow', 'hold', 'collect', 'collect']);
    heap.current = 1024;
    for (let i = 0; i < 6; i++) policy.check();
    assert.deepEqual(calls, ['grow', 'hold', 'collect', 'collect']);
  });

  it('lets it grow again when traffic comes back, and a quiet spell counts from the last traffic', () => {
    const { calls, policy, traffic } = afterFirstTraffic();
    for (let i = 0; i < 3; i++) policy.check();
    traffic.bytes = 2;
    policy.check();
    assert.deepEqual(calls, ['grow', 'hold', 'grow']);
    policy.check();
    policy.check();
    traffic.bytes = 3;
    policy.check();
    policy.check();
    policy.check();
    assert.deepEqual(calls, ['grow', 'hold', 'grow'], 'two quiet checks, traffic, two quiet checks');
  });
});

describe('young generation policy on the real V8 heap', () => {
  it('lets V8 grow the young generation under traffic and has it back to its starting size after a quiet spell', async () => {
    let traffic = 0;
    // V8 shrinks only when the last 5 s allocated little: the quiet spell must be longer.
    const policy = new YoungGenerationPolicy(v8Heap, () => traffic, { checkEveryMs: 200, idleAfterMs: 6000 });
    const start = v8Heap.size();
    traffic = 1;
    policy.check();
    // Objects that live across collections, as requests in flight do, make V8 grow it.
    let alive: object[] = [];
    for (let round = 0; round < 400 && v8Heap.size() <= start; round++) {
      for (let i = 0; i < 20_000; i++) alive.push({ round, i });
      if (alive.length > 200_000) alive = [];
    }
    alive = [];
    const grown = v8Heap.size();
    assert.ok(grown > start, `young generation ${grown} bytes, at start ${start}`);
    const timer = setInterval(() => policy.check(), 200);
    try {
      await waitFor(() => v8Heap.size() <= start, 'the young generation back to its starting size', 40_000);
    } finally {
      clearInterval(timer);
    }
  });
});

describe('the real V8 heap, growth allowed', () => {
  it('reaches its bound in one step once past its first doubling, where growth by 4 took two', () => {
    // A fresh process, so the young generation starts at the size the server starts with.
    const policy = new URL('../src/cli/young-generation.js', import.meta.url).href;
    const heldAtStart = new URL('../src/cli/server-heap.js', import.meta.url).href;
    const script = `
      await import(${JSON.stringify(heldAtStart)});
      const { v8Heap } = await import(${JSON.stringify(policy)});
      const sizes = [v8Heap.size()];
      v8Heap.allowGrowth(true);
      let alive = [];
      for (let round = 0; round < 3000 && sizes.at(-1) < 32 * sizes[0]; round++) {
        for (let i = 0; i < 20000; i++) alive.push({ round, i });
        if (alive.length > 200000) alive = [];
        if (v8Heap.size() !== sizes.at(-1)) sizes.push(v8Heap.size());
      }
      console.log(JSON.stringify(sizes));`;
    const sizes = JSON.parse(
      execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }),
    ) as number[];
    const steps = sizes.map((size) => size / sizes[0]!);
    // V8 doubles the starting size at the first collections whatever the factor; then it grows by it.
    assert.deepEqual(steps, [1, 2, 32], `sizes seen, as multiples of the first: ${steps.join(', ')}`);
  });
});

describe('HTTP traffic the policy follows', () => {
  it('counts the bytes through http proxies both ways, and none through tcp proxies', async () => {
    const harness = await startHarness();
    const upstream = http.createServer((request, response) => {
      request.resume();
      response.end('{"id":7}');
    });
    upstream.listen(0, '127.0.0.1');
    await new Promise((resolve) => upstream.once('listening', resolve));
    after(() => upstream.close());
    const address = `127.0.0.1:${(upstream.address() as net.AddressInfo).port}`;
    const api = await createProxy(harness, 'api', address, { protocol: 'http' });
    const echo = await startEchoServer();
    const raw = await createProxy(harness, 'raw', echo.address);
    assert.equal(httpBytes(harness.engine), 0);

    const socket = await connect(api.port);
    const ask = 'GET /orders/7 HTTP/1.1\r\nHost: shop\r\nConnection: close\r\n\r\n';
    let answered = 0;
    socket.on('data', (chunk: Buffer) => (answered += chunk.length));
    socket.write(ask);
    await new Promise((resolve) => socket.once('close', resolve));
    assert.ok(answered > 0);
    await waitFor(
      () => httpBytes(harness.engine) === Buffer.byteLength(ask) + answered,
      `${Buffer.byteLength(ask)} + ${answered} bytes counted (counted ${httpBytes(harness.engine)})`,
      5000,
    );

    const before = httpBytes(harness.engine);
    const tcp = await connect(raw.port);
    tcp.write('hello');
    await new Promise((resolve) => tcp.once('data', resolve));
    tcp.destroy();
    assert.equal(httpBytes(harness.engine), before);
  });
});

describe('the server command follows HTTP traffic', () => {
  it('grows the young generation while requests flow through an http proxy, and has it back after a quiet spell', async () => {
    const upstream = http.createServer((request, response) => {
      request.resume();
      response.end('{"id":7,"status":"paid"}');
    });
    upstream.listen(0, '127.0.0.1');
    await new Promise((resolve) => upstream.once('listening', resolve));
    after(() => upstream.close());
    const { startServer } = await import('../src/cli/server-command.js');
    const running = await startServer({
      host: '127.0.0.1',
      port: 0,
      busyPoll: 0,
      logLevel: 'silent',
      ledgerDir: tempDirectory('young-generation'),
    });
    after(() => running.stop());
    const proxy = await running.engine.create(
      parseProxyCreate({
        name: 'api',
        upstream: `127.0.0.1:${(upstream.address() as net.AddressInfo).port}`,
        protocol: 'http',
      }),
    );
    const start = v8Heap.size();
    const pool = new Pool(`http://${proxy.listen}`, { connections: 32 });
    after(() => pool.close());
    // 32 requests in flight at a time, for at most 20 s, until V8 has grown it.
    const deadline = performance.now() + 20_000;
    let sent = 0;
    while (v8Heap.size() <= start && performance.now() < deadline) {
      await Promise.all(
        Array.from({ length: 32 }, async () => {
          const { body } = await pool.request({ method: 'GET', path: '/orders/7' });
          await body.dump();
        }),
      );
      sent += 32;
    }
    assert.ok(v8Heap.size() > start, `young generation still ${v8Heap.size()} bytes after ${sent} requests`);
    await waitFor(
      () => v8Heap.size() <= start,
      'the young generation back to its size at start',
      QUIET_BEFORE_SHRINKING_MS + 30_000,
    );
  });
});
