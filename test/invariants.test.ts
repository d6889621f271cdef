import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  connect,
  createProxy,
  readAll,
  startEchoServer,
  startHarness,
  startTcpServer,
  waitFor,
} from './helpers.js';

/**
 * Streams 200,000 sequence-numbered 4-byte values through a proxy while toxics that hold,
 * delay and slice data are added, updated and removed in a loop on both streams. Every value
 * must arrive exactly once, in order, followed by EOF.
 */
test('no byte is lost, duplicated or reordered while toxics churn', async () => {
  const harness = await startHarness({ seed: 7 });
  const echo = await startEchoServer();
  const proxy = await createProxy(harness, 'churn', echo.address);
  const client = await connect(proxy.port);
  const received = readAll(client);
  const count = 200_000;
  let writing = true;
  const writer = (async () => {
    const batch = 2000;
    for (let start = 0; start < count; start += batch) {
      const buffer = Buffer.alloc(batch * 4);
      for (let i = 0; i < batch; i++) buffer.writeUInt32BE(start + i, i * 4);
      if (!client.write(buffer)) await new Promise((resolve) => client.once('drain', resolve));
      await new Promise((resolve) => setImmediate(resolve));
    }
    client.end();
    writing = false;
  })();
  const toxics = [
    { name: 'lat', type: 'latency', attributes: { latency: 2, jitter: 1 } },
    { name: 'slice', type: 'slicer', attributes: { average_size: 64, size_variation: 32, delay: 10 } },
    { name: 'bw', type: 'bandwidth', attributes: { rate: 5000 } },
    { name: 'stall', type: 'bandwidth', attributes: { rate: 0 } },
    { name: 'noop', type: 'noop' },
  ];
  let rounds = 0;
  while (writing && rounds < 400) {
    const toxic = toxics[rounds % toxics.length]!;
    const stream = rounds % 2 === 0 ? 'upstream' : 'downstream';
    await harness.api('POST', '/proxies/churn/toxics', { ...toxic, stream });
    if (toxic.type === 'latency')
      await harness.api('PATCH', `/proxies/churn/toxics/${toxic.name}`, { attributes: { latency: 1 } });
    await harness.api('DELETE', `/proxies/churn/toxics/${toxic.name}`);
    rounds++;
  }
  await writer;
  const data = await received;
  assert.ok(rounds >= 10, `toxics changed ${rounds} times during the stream`);
  assert.equal(data.length, count * 4, 'byte count');
  for (let i = 0; i < count; i++) {
    const value = data.readUInt32BE(i * 4);
    if (value !== i) assert.fail(`value ${i} was ${value}`);
  }
});

test('the same seed makes the same toxicity decisions on the same connections', async () => {
  const run = async (seed: number) => {
    const harness = await startHarness({ seed });
    const pieces: number[] = [];
    const sink = await startTcpServer((socket) => socket.on('data', (chunk) => pieces.push(chunk.length)));
    const proxy = await createProxy(harness, 'seeded', sink.address);
    await harness.api('POST', '/proxies/seeded/toxics', {
      type: 'slicer',
      stream: 'upstream',
      toxicity: 0.5,
      attributes: { average_size: 8, size_variation: 6, delay: 0 },
    });
    const fired: number[] = [];
    harness.engine.events.on((event) => {
      if (event.type === 'toxic.fired') fired.push(event.connection);
    });
    for (let i = 0; i < 12; i++) {
      pieces.length = 0;
      const client = await connect(proxy.port);
      client.write(Buffer.alloc(200));
      await waitFor(() => pieces.reduce((a, b) => a + b, 0) === 200, 'the bytes');
      client.destroy();
    }
    await harness.close();
    return fired;
  };
  const first = await run(42);
  const second = await run(42);
  const other = await run(43);
  assert.ok(first.length > 0 && first.length < 12, `toxicity 0.5 applied to ${first.length} of 12`);
  assert.deepEqual(second, first);
  assert.notDeepEqual(other, first);
});

test('removing a toxic from a connection whose client stopped reading returns at once', async () => {
  const harness = await startHarness();
  const firehose = await startTcpServer((socket) => {
    const block = Buffer.alloc(64 * 1024);
    let blocksLeft = 1024;
    const pump = () => {
      let writable = true;
      while (writable && blocksLeft > 0 && !socket.destroyed) {
        blocksLeft -= 1;
        writable = socket.write(block);
      }
    };
    socket.on('drain', pump);
    pump();
  });
  const proxy = await createProxy(harness, 'jammed', firehose.address);
  await harness.api('POST', '/proxies/jammed/toxics', {
    name: 'slow',
    type: 'latency',
    attributes: { latency: 10_000 },
  });
  const client = await connect(proxy.port);
  client.pause();
  await waitFor(
    () => harness.engine.get('jammed').stats().bytes.downstream.received > 1024 * 1024,
    'the proxy to buffer a megabyte behind the latency toxic',
  );
  // "At once" against a 10 s latency: both calls must return long before the toxic would have.
  const started = performance.now();
  const removed = await harness.api('DELETE', '/proxies/jammed/toxics/slow');
  assert.equal(removed.status, 204);
  const reset = await harness.api('POST', '/reset');
  assert.equal(reset.status, 204);
  const tookMs = performance.now() - started;
  assert.ok(tookMs < 5000, `removing the toxic and resetting took ${Math.round(tookMs)} ms`);
  client.destroy();
});
