import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import type net from 'node:net';
import { describe, test } from 'node:test';
import { connect, createProxy, startHarness, startTcpServer, waitFor } from './helpers.js';

/**
 * Toxiproxy's toxic update interrupts the toxic's goroutine on every link and runs it again with
 * the new attributes (link.go, UpdateToxic), handing on what it held ("Don't drop any data on the
 * floor"). These tests update a toxic many times while 50 connections stream through it, and
 * check each connection's bytes at the upstream by checksum: none lost, none doubled, in order.
 */
const harness = await startHarness();
const CONNECTIONS = 50;
const PAYLOAD = 64 * 1024;
const PIECE = 4 * 1024;
let proxies = 0;

interface Arrival {
  id: number;
  data: Buffer;
}

/** An upstream that keeps what each connection sent (its first 4 bytes name it) until its end. */
async function recordingUpstream() {
  const arrivals: Arrival[] = [];
  let notify = () => undefined as void;
  const server = await startTcpServer((socket) => {
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', () => {
      const data = Buffer.concat(chunks);
      arrivals.push({ id: data.length >= 4 ? data.readUInt32BE(0) : -1, data });
      socket.end();
      notify();
    });
  });
  /** Resolves once `count` connections have ended at the upstream. */
  const ended = (count: number) =>
    new Promise<void>((resolve) => {
      notify = () => {
        if (arrivals.length >= count) resolve();
      };
      notify();
    });
  return { address: server.address, arrivals, ended };
}

/**
 * Writes `data` in pieces, as an application streaming it would, then ends its side
 * unless told not to; stops early
 * when the proxy closes the connection (limit_data, timeout).
 */
async function stream(socket: net.Socket, data: Buffer, end = true): Promise<void> {
  const closed = once(socket, 'close').then(() => 'closed');
  for (let at = 0; at < data.length && !socket.destroyed; at += PIECE) {
    if (socket.write(data.subarray(at, at + PIECE))) continue;
    if ((await Promise.race([once(socket, 'drain'), closed])) === 'closed') return;
  }
  if (end) socket.end();
}

const digest = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/** An update of the toxic of that name. */
type Update = [toxic: string, body: object];

/**
 * Streams PAYLOAD bytes on each of 50 connections through a proxy with `toxics` on its upstream
 * stream, sending the updates in turn, one after another, until every connection has ended at the
 * upstream. Returns what each connection sent and what arrived, and how many updates were made.
 */
async function streamWhileUpdating(toxics: object[], updates: Update[]) {
  const upstream = await recordingUpstream();
  const proxy = await createProxy(harness, `under-load-${++proxies}`, upstream.address);
  for (const toxic of toxics) {
    const added = await harness.api('POST', `/proxies/${proxy.name}/toxics`, {
      stream: 'upstream',
      ...toxic,
    });
    assert.equal(added.status, 200, added.text);
  }
  const sent = new Map<number, Buffer>();
  const clients = await Promise.all(
    Array.from({ length: CONNECTIONS }, async (_, id) => {
      const data = randomBytes(PAYLOAD);
      data.writeUInt32BE(id, 0);
      sent.set(id, data);
      const socket = await connect(proxy.port);
      socket.on('error', () => undefined);
      socket.resume();
      return { socket, data };
    }),
  );
  const allEnded = upstream.ended(CONNECTIONS);
  let done = false;
  void allEnded.then(() => (done = true));
  const writing = Promise.all(clients.map(({ socket, data }) => stream(socket, data)));
  let made = 0;
  // Bounded: at most 400 updates, each awaited, while the connections stream.
  while (!done && made < 400) {
    const [name, body] = updates[made % updates.length]!;
    const reply = await harness.api('PATCH', `/proxies/${proxy.name}/toxics/${name}`, body);
    assert.equal(reply.status, 200, reply.text);
    made++;
  }
  await writing;
  await allEnded;
  for (const { socket } of clients) socket.destroy();
  return { sent, arrivals: upstream.arrivals, made };
}

function assertEveryByteOnce(result: Awaited<ReturnType<typeof streamWhileUpdating>>) {
  assert.ok(result.made >= 2, `only ${result.made} updates were made while the data streamed`);
  assert.equal(result.arrivals.length, CONNECTIONS);
  const ids = result.arrivals.map((arrival) => arrival.id).sort((a, b) => a - b);
  assert.deepEqual(
    ids,
    Array.from({ length: CONNECTIONS }, (_, id) => id),
  );
  for (const { id, data } of result.arrivals) {
    const sent = result.sent.get(id)!;
    assert.equal(
      data.length,
      sent.length,
      `connection ${id}: ${data.length} of ${sent.length} bytes arrived`,
    );
    assert.equal(digest(data), digest(sent), `connection ${id}: the bytes arrived changed or out of order`);
  }
}

const one = (type: string, attributes: object) => [{ name: 'changing', type, attributes }];
const each = (...bodies: object[]): Update[] => bodies.map((body) => ['changing', body]);

describe('a toxic updated again and again while 50 connections stream through it', () => {
  test('latency, between 0 and 20 ms with jitter: every byte arrives once, in order', async () => {
    const result = await streamWhileUpdating(
      one('latency', { latency: 20, jitter: 5 }),
      each(
        { attributes: { latency: 0, jitter: 0 } },
        { attributes: { latency: 20, jitter: 10 } },
        { attributes: { latency: 5 } },
      ),
    );
    assertEveryByteOnce(result);
  });

  test('bandwidth, its rate changing between 100 and 100000 KB/s: every byte arrives once, in order', async () => {
    const result = await streamWhileUpdating(
      one('bandwidth', { rate: 200 }),
      each({ attributes: { rate: 100_000 } }, { attributes: { rate: 100 } }, { attributes: { rate: 5000 } }),
    );
    assertEveryByteOnce(result);
  });

  test('slicer, its sizes and delay changing: every byte arrives once, in order', async () => {
    const result = await streamWhileUpdating(
      one('slicer', { average_size: 64, size_variation: 32, delay: 50 }),
      each(
        { attributes: { average_size: 1, size_variation: 0, delay: 0 } },
        { attributes: { average_size: 2000, size_variation: 1000, delay: 10 } },
        { attributes: { average_size: 64, size_variation: 0, delay: 1 } },
      ),
    );
    assertEveryByteOnce(result);
  });

  test('latency, bandwidth and slicer in one chain, each updated in turn: every byte arrives once, in order', async () => {
    const result = await streamWhileUpdating(
      [
        { name: 'slow', type: 'latency', attributes: { latency: 10 } },
        { name: 'narrow', type: 'bandwidth', attributes: { rate: 500 } },
        { name: 'cut', type: 'slicer', attributes: { average_size: 100 } },
      ],
      [
        ['cut', { attributes: { average_size: 5000, size_variation: 10 } }],
        ['slow', { attributes: { latency: 0 } }],
        ['narrow', { attributes: { rate: 50_000 } }],
        ['cut', { attributes: { average_size: 10, size_variation: 0 } }],
        ['slow', { attributes: { latency: 15 } }],
        ['narrow', { attributes: { rate: 200 } }],
      ],
    );
    assertEveryByteOnce(result);
  });

  test('limit_data, its bytes changing: each connection passes a prefix of what it sent, never more than the highest limit, and is closed', async () => {
    const limits = [20_000, 40_000, 30_000];
    // The bandwidth toxic before it spreads each connection's bytes over the updates.
    const result = await streamWhileUpdating(
      [
        { name: 'narrow', type: 'bandwidth', attributes: { rate: 100 } },
        ...one('limit_data', { bytes: 10_000 }),
      ],
      each(...limits.map((bytes) => ({ attributes: { bytes } }))),
    );
    assert.ok(result.made >= 2, `only ${result.made} updates were made while the data streamed`);
    assert.equal(result.arrivals.length, CONNECTIONS);
    for (const { id, data } of result.arrivals) {
      const sent = result.sent.get(id)!;
      assert.ok(data.length < sent.length, `connection ${id}: all ${sent.length} bytes passed a limit`);
      // The count survives updates: never more than the highest limit (a lowered one closes at the
      // next chunk, as Toxiproxy's, so a connection may stop between two limits).
      assert.ok(
        data.length >= 10_000 && data.length <= 40_000,
        `connection ${id}: ${data.length} bytes passed`,
      );
      assert.equal(
        digest(data),
        digest(sent.subarray(0, data.length)),
        `connection ${id}: not what it sent first`,
      );
    }
  });

  test('timeout, updated between 0 and 0 under traffic, holds every connection open; updated to 50 ms, closes them all', async () => {
    const upstream = await recordingUpstream();
    const proxy = await createProxy(harness, `under-load-${++proxies}`, upstream.address);
    const added = await harness.api('POST', `/proxies/${proxy.name}/toxics`, {
      name: 'changing',
      type: 'timeout',
      stream: 'upstream',
      attributes: { timeout: 0 },
    });
    assert.equal(added.status, 200, added.text);
    const clients = await Promise.all(Array.from({ length: CONNECTIONS }, () => connect(proxy.port)));
    for (const client of clients) client.on('error', () => undefined);
    // The clients keep their side open: an end reaching the toxic would close the link at once.
    const writing = clients.map((client) => stream(client, randomBytes(PAYLOAD), false));
    for (let update = 0; update < 10; update++) {
      const reply = await harness.api('PATCH', `/proxies/${proxy.name}/toxics/changing`, {
        attributes: { timeout: 0 },
      });
      assert.equal(reply.status, 200, reply.text);
    }
    // The toxic dropped every byte that reached it; the proxy has read all of them.
    const read = () => harness.engine.get(proxy.name).stats().bytes.upstream.received;
    await waitFor(() => read() === CONNECTIONS * PAYLOAD, 'the proxy to read every byte');
    assert.equal(upstream.arrivals.length, 0, 'timeout 0 closed a connection');
    const armed = await harness.api('PATCH', `/proxies/${proxy.name}/toxics/changing`, {
      attributes: { timeout: 50 },
    });
    assert.equal(armed.status, 200, armed.text);
    await upstream.ended(CONNECTIONS);
    await Promise.all(writing);
    assert.ok(
      upstream.arrivals.every(({ data }) => data.length === 0),
      'a timeout toxic let data through',
    );
    for (const client of clients) client.destroy();
  });
});
