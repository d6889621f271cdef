import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { connect, createProxy, startHarness, startTcpServer, waitFor } from './helpers.js';

/**
 * Toxiproxy's bandwidth toxic holds one read of the connection (at most 32 KiB, Go's io.Copy
 * buffer) in its hands. An update interrupts it, and it sends that chunk on whole ("Don't drop any
 * data on the floor") before the toxic restarts at the new rate; what waited behind it is paced.
 */
const harness = await startHarness();
const GO_READ = 32 * 1024;
let counter = 0;

async function heldThroughRateZero(bytes: number) {
  let arrived = 0;
  const server = await startTcpServer((socket) =>
    socket.on('data', (chunk: Buffer) => (arrived += chunk.length)),
  );
  const proxy = await createProxy(harness, `bw-release-${++counter}`, server.address);
  const added = await harness.api('POST', `/proxies/${proxy.name}/toxics`, {
    name: 'pipe',
    type: 'bandwidth',
    stream: 'upstream',
    attributes: { rate: 0 },
  });
  assert.equal(added.status, 200, added.text);
  const client = await connect(proxy.port);
  client.write(Buffer.alloc(bytes, 'x'));
  const stats = () => harness.engine.get(proxy.name).stats();
  await waitFor(() => stats().bytes.upstream.received === bytes, 'the proxy to read every byte');
  assert.equal(arrived, 0, 'rate 0 holds everything');
  return { proxy, client, arrived: () => arrived };
}

describe('bandwidth updated from rate 0', () => {
  test('releases the one read it holds (up to 32 KiB) at once and paces the rest at the new rate', async () => {
    const sent = 96 * 1024;
    const { proxy, client, arrived } = await heldThroughRateZero(sent);
    const updatedAt = performance.now();
    const updated = await harness.api('PATCH', `/proxies/${proxy.name}/toxics/pipe`, {
      attributes: { rate: 1 },
    });
    assert.equal(updated.status, 200, updated.text);
    // At 1 KB/s, 30 KiB would take half a minute: arriving within a few seconds means released.
    await waitFor(() => arrived() >= 30 * 1024, 'the held read to arrive at once', 5_000);
    const elapsed = performance.now() - updatedAt;
    // 1 byte per ms after the release, with generous slack: far below the 64 KiB still held.
    assert.ok(arrived() <= GO_READ + elapsed + 4096, `${arrived()} bytes after ${Math.round(elapsed)} ms`);
    assert.ok(arrived() < sent / 2, 'the rest is paced, not released');
    client.destroy();
  });

  test('a held read smaller than 32 KiB is released as it was, nothing more', async () => {
    const { proxy, client, arrived } = await heldThroughRateZero(1000);
    const updated = await harness.api('PATCH', `/proxies/${proxy.name}/toxics/pipe`, {
      attributes: { rate: 1 },
    });
    assert.equal(updated.status, 200, updated.text);
    await waitFor(() => arrived() === 1000, 'the 1000 held bytes', 5_000);
    client.destroy();
  });
});
