import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type net from 'node:net';
import { test } from 'node:test';
import { connect, createProxy, spawnCli, startHarness, startTcpServer, waitFor } from './helpers.js';

/**
 * The resource-exhaustion findings of the security issue (#19), performed against real servers
 * on loopback: toxics may hold only --max-held-bytes in total, and a 1-byte slicer on many
 * connections does not stop the control API from answering.
 */

const MiB = 1024 * 1024;
/** What one connection may add past the budget: its window while the budget is full plus one read. */
const OVERSHOOT_PER_CONNECTION = 64 * 1024 + 256 * 1024;

/** An upstream that hashes what each connection sends, so delivery can be checked byte for byte. */
async function startHashingSink() {
  const received: Array<{ bytes: number; hash: ReturnType<typeof createHash>; ended: boolean }> = [];
  const sink = await startTcpServer((socket) => {
    const entry = { bytes: 0, hash: createHash('sha256'), ended: false };
    received.push(entry);
    socket.on('data', (chunk: Buffer) => {
      entry.bytes += chunk.length;
      entry.hash.update(chunk);
    });
    socket.on('end', () => {
      entry.ended = true;
      socket.end();
    });
  });
  return { ...sink, received };
}

function payload(seed: number, size: number): Buffer {
  const data = Buffer.alloc(size);
  for (let i = 0; i < size; i++) data[i] = (i * 31 + seed * 7) & 0xff;
  return data;
}

/** Samples `read` every few ms until `until` holds (bounded), returning the largest value seen. */
async function largestWhile(read: () => number, samples: number): Promise<number> {
  let largest = 0;
  for (let i = 0; i < samples; i++) {
    largest = Math.max(largest, read());
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return largest;
}

async function pushThroughHeldToxics(toxics: number, connections: number, bytesEach: number) {
  const budget = 1 * MiB;
  const harness = await startHarness({ limits: { maxHeldBytes: budget } });
  const sink = await startHashingSink();
  const proxy = await createProxy(harness, 'held', sink.address);
  for (let i = 0; i < toxics; i++) {
    const reply = await harness.api('POST', '/proxies/held/toxics', {
      name: `slow${i}`,
      type: 'latency',
      stream: 'upstream',
      attributes: { latency: 600_000 },
    });
    assert.equal(reply.status, 200, reply.text);
  }
  const sent = Array.from({ length: connections }, (_, i) => payload(i, bytesEach));
  const clients: net.Socket[] = [];
  for (const data of sent) {
    const client = await connect(proxy.port);
    client.on('error', () => undefined);
    client.end(data);
    clients.push(client);
  }
  await waitFor(() => harness.engine.heldBytes >= budget, 'the budget to fill', 20_000);
  const largest = await largestWhile(() => harness.engine.heldBytes, 60);
  const bound = budget + connections * OVERSHOOT_PER_CONNECTION;
  assert.ok(largest <= bound, `held ${largest} bytes, more than ${bound}`);
  const gauge = /^faultline_held_bytes (\d+)$/m.exec((await harness.api('GET', '/metrics')).text);
  assert.ok(Number(gauge?.[1]) >= budget, `the gauge shows the held bytes: ${gauge?.[0]}`);
  assert.equal(
    sink.received.reduce((sum, entry) => sum + entry.bytes, 0),
    0,
    'the toxics still hold it all',
  );

  // Lifting the toxics lets everything through: the budget paused the sources, it dropped nothing.
  for (let i = 0; i < toxics; i++) await harness.api('DELETE', `/proxies/held/toxics/slow${i}`);
  await waitFor(
    () => sink.received.length === connections && sink.received.every((entry) => entry.ended),
    'every connection to be delivered',
    60_000,
  );
  const expected = sent.map((data) => createHash('sha256').update(data).digest('hex')).sort();
  const delivered = sink.received.map((entry) => entry.hash.digest('hex')).sort();
  assert.deepEqual(delivered, expected);
  assert.equal(harness.engine.heldBytes, 0);
  const metrics = (await harness.api('GET', '/metrics')).text;
  assert.match(metrics, /^faultline_held_bytes 0$/m);
  assert.match(metrics, new RegExp(`^faultline_held_bytes_limit ${budget}$`, 'm'));
  for (const client of clients) client.destroy();
}

test('one latency toxic and many connections hold no more than --max-held-bytes, and lose nothing', async () => {
  // Toxiproxy: 40 connections through one latency toxic took the server from 74 MB to 1.4 GB.
  await pushThroughHeldToxics(1, 8, 4 * MiB);
});

test('30 stacked latency toxics on one connection hold no more than --max-held-bytes, and lose nothing', async () => {
  // Toxiproxy: each latency toxic may hold 32 MiB per connection, so 30 of them about 1 GB.
  await pushThroughHeldToxics(30, 1, 16 * MiB);
});

test('the control API answers while 40 connections push data through a 1-byte slicer', async () => {
  // Toxiproxy: a slicer with average_size=1 and 40 connections froze the API for about 80 s.
  const server = spawnCli(['server', '--port', '0', '--log-level', 'silent']);
  await waitFor(
    () => /listening on http:\/\/\S+/.test(server.output().stderr),
    'the server to start',
    20_000,
  );
  const url = /listening on (http:\/\/\S+)/.exec(server.output().stderr)![1]!;
  const sink = await startHashingSink();
  const created = await fetch(`${url}/proxies`, {
    method: 'POST',
    body: JSON.stringify({ name: 'sliced', listen: '127.0.0.1:0', upstream: sink.address }),
  });
  const port = Number(((await created.json()) as { listen: string }).listen.split(':').pop());
  const toxic = await fetch(`${url}/proxies/sliced/toxics`, {
    method: 'POST',
    body: JSON.stringify({ type: 'slicer', stream: 'upstream', attributes: { average_size: 1 } }),
  });
  assert.equal(toxic.status, 200);

  const connections = 40;
  const bytesEach = 128 * 1024;
  const clients: net.Socket[] = [];
  for (let i = 0; i < connections; i++) {
    const client = await connect(port);
    client.on('error', () => undefined);
    client.end(payload(i, bytesEach));
    clients.push(client);
  }
  const receivedSoFar = () => sink.received.reduce((sum, entry) => sum + entry.bytes, 0);
  await waitFor(() => receivedSoFar() > 0, 'sliced data to flow', 20_000);
  const answers: number[] = [];
  for (let i = 0; i < 20; i++) {
    const started = performance.now();
    const reply = await fetch(`${url}/proxies`);
    await reply.text();
    answers.push(performance.now() - started);
    assert.equal(reply.status, 200);
  }
  const pending = connections * bytesEach - receivedSoFar();
  assert.ok(pending > 0, 'the API was asked while the slicer was still busy');
  // The bench holds the p99 to 50 ms on a quiet machine. Here, on a shared one, the median must
  // stay far below what a loop busy with slicing gives (about 400 ms when toxics never yield).
  answers.sort((a, b) => a - b);
  const median = answers[answers.length / 2]!;
  assert.ok(median < 200, `median answer ${Math.round(median)} ms: ${answers.map(Math.round).join(' ')}`);
  assert.ok(answers.at(-1)! < 2000, `slowest answer ${Math.round(answers.at(-1)!)} ms`);
  for (const client of clients) client.destroy();
  process.kill(server.child.pid!, 'SIGTERM');
  await server.done;
});
