import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { after, test } from 'node:test';
import { createClient } from 'redis';
import { wrap } from '../src/inject/index.js';
import { announced, startOnFreePort } from './helpers.js';

/** The book's chapter 7 lesson: a chaos wrapper around a real Redis client. */

async function startRedis(): Promise<{ url: string; process: ChildProcess }> {
  try {
    execFileSync('sh', ['-c', 'command -v redis-server']);
  } catch {
    assert.fail(
      'redis-server is not installed: install the Debian package "redis-server" (apt-get install redis-server)',
    );
  }
  return startOnFreePort('redis-server', async (port) => {
    const child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    );
    after(() => {
      if (child.exitCode === null) process.kill(child.pid!, 'SIGTERM');
    });
    // Said once its port is bound, so what answers there is this server.
    await announced(child, 'stdout', /Ready to accept connections/, 'redis-server');
    return { url: `redis://127.0.0.1:${port}`, process: child };
  });
}

/** The application code under test: reads a price, and falls back to a default when Redis fails. */
async function priceOf(redis: { get(key: string): Promise<string | null> }, item: string) {
  try {
    return { price: Number(await redis.get(`price:${item}`)), degraded: false };
  } catch {
    return { price: 10, degraded: true };
  }
}

const { url } = await startRedis();
const client = createClient({ url });
await client.connect();
after(() => client.destroy());
await client.set('price:apple', '3');

async function timeCalls(
  redis: { get(key: string): Promise<string | null> },
  count: number,
): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    await priceOf(redis, 'apple');
    times.push(performance.now() - started);
  }
  return times;
}

test('a 100 ms delay per call: every call through the wrapped client takes 100 ms more', async () => {
  const direct = await timeCalls(client, 10);
  const slowed = await timeCalls(wrap(client, { methods: ['get'], delay: 100 }, { enabled: true }), 10);
  // Medians, so a pause of a busy machine in one call does not decide the result.
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  assert.ok(
    slowed.every((time) => time >= 100),
    `slowed calls: ${slowed.map(Math.round).join(', ')} ms`,
  );
  const added = median(slowed) - median(direct);
  assert.ok(added < 200, `added ${added.toFixed(1)} ms per call (median): the delay was paid more than once`);
});

test('an error on every second call: the app falls back for exactly those calls', async () => {
  const flaky = wrap(
    client,
    { methods: ['get', 'set'], error: new Error('boom'), everyNth: 2 },
    { enabled: true },
  );
  const results = [];
  for (let i = 0; i < 6; i++) results.push(await priceOf(flaky, 'apple'));
  assert.deepEqual(
    results.map((result) => (result.degraded ? 'fallback' : result.price)),
    [3, 'fallback', 3, 'fallback', 3, 'fallback'],
  );
  await assert.rejects(
    flaky.set('price:pear', '4').then(() => flaky.set('price:pear', '5')),
    /boom/,
  );
});
