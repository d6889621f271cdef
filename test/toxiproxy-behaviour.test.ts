/**
 * What Toxiproxy 2.12's own Go tests assert about toxics and proxies on real connections,
 * checked against faultline through its API and real loopback sockets. Each test names the Go
 * test it follows; docs/toxiproxy-compat.md has the whole checklist, including the Go tests
 * that other files already cover.
 */
import assert from 'node:assert/strict';
import type net from 'node:net';
import { describe, test } from 'node:test';
import {
  canConnect,
  connect,
  createProxy,
  readAll,
  readBytes,
  startEchoServer,
  startHarness,
  startTcpServer,
  waitFor,
} from './helpers.js';

const harness = await startHarness();
const echo = await startEchoServer();
let counter = 0;
const proxyTo = (upstream: string) => createProxy(harness, `tp${++counter}`, upstream);

async function addToxic(proxy: string, toxic: object) {
  const reply = await harness.api('POST', `/proxies/${proxy}/toxics`, toxic);
  assert.equal(reply.status, 200, reply.text);
}

async function updateToxic(proxy: string, name: string, body: object) {
  const reply = await harness.api('PATCH', `/proxies/${proxy}/toxics/${name}`, body);
  assert.equal(reply.status, 200, reply.text);
}

async function removeToxic(proxy: string, name: string) {
  const reply = await harness.api('DELETE', `/proxies/${proxy}/toxics/${name}`);
  assert.equal(reply.status, 204, reply.text);
}

/** A server that keeps each accepted socket and everything it received, for tests that watch the upstream side. */
async function startRecordingServer() {
  const accepted: Array<{ socket: net.Socket; received: () => Buffer; ended: Promise<Buffer> }> = [];
  const server = await startTcpServer((socket) => {
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    const ended = new Promise<Buffer>((resolve) => {
      socket.once('end', () => resolve(Buffer.concat(chunks)));
      socket.once('close', () => resolve(Buffer.concat(chunks)));
    });
    accepted.push({ socket, received: () => Buffer.concat(chunks), ended });
  });
  const connection = async (index: number) => {
    await waitFor(() => accepted.length > index, `upstream connection ${index + 1}`);
    return accepted[index]!;
  };
  return { ...server, accepted, connection };
}

/**
 * A client connected through a new proxy, with these toxics added first, to a recording server,
 * and the server's side of that connection: the set-up most of Toxiproxy's tests share.
 */
async function connectedThrough(...toxics: object[]) {
  const upstream = await startRecordingServer();
  const proxy = await proxyTo(upstream.address);
  for (const toxic of toxics) await addToxic(proxy.name, toxic);
  const client = await connect(proxy.port);
  const server = await upstream.connection(0);
  return { upstream, proxy, client, server };
}

/** Writes a line through the client and expects the echo server to send it back unchanged. */
async function assertEcho(client: net.Socket, text: string) {
  client.write(text);
  assert.equal((await readBytes(client, Buffer.byteLength(text))).toString(), text);
}

/** Resolves with the socket's error code, or 'end' when it ended cleanly. */
function outcome(socket: net.Socket): Promise<string> {
  return new Promise((resolve) => {
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    socket.once('end', () => resolve('end'));
  });
}

const payload = (size: number) => Buffer.from(Array.from({ length: size }, (_, i) => i % 251));

describe('toxic_test.go', () => {
  test('TestPersistentConnections: /reset removes the toxics and keeps live connections of an enabled proxy', async () => {
    const { upstream, proxy, client, server } = await connectedThrough();
    await addToxic(proxy.name, { name: 'noop_up', type: 'noop', stream: 'upstream' });
    await addToxic(proxy.name, { name: 'noop_down', type: 'noop', stream: 'downstream' });
    const exchange = async (round: number) => {
      const before = server.received().length;
      client.write(`ping ${round}\n`);
      await waitFor(() => server.received().length === before + 7, `ping ${round} at the server`);
      server.socket.write(`pong ${round}\n`);
      assert.equal((await readBytes(client, 7)).toString(), `pong ${round}\n`);
    };
    await exchange(1);
    assert.equal((await harness.api('POST', '/reset')).status, 204);
    await exchange(2);
    assert.equal((await harness.api('POST', '/reset')).status, 204);
    await exchange(3);
    assert.equal(upstream.accepted.length, 1, 'one upstream connection throughout');
    assert.deepEqual((await harness.api('GET', `/proxies/${proxy.name}/toxics`)).json, []);
    client.destroy();
  });
});

describe('latency_test.go', () => {
  const message = Buffer.concat([
    Buffer.from('hello world '),
    Buffer.alloc(32 * 1024, 'a'),
    Buffer.from('\n'),
  ]);

  /** Sends the 32 KiB message through, returning when the server had all of it and when the client had the echo. */
  async function latencyRound(up: number, down: number) {
    const upstream = await startRecordingServer();
    const proxy = await proxyTo(upstream.address);
    if (up > 0)
      await addToxic(proxy.name, { type: 'latency', stream: 'upstream', attributes: { latency: up } });
    if (down > 0)
      await addToxic(proxy.name, { type: 'latency', stream: 'downstream', attributes: { latency: down } });
    const client = await connect(proxy.port);
    const server = await upstream.connection(0);
    const rounds: Array<{ serverRead: number; clientRead: number }> = [];
    for (let round = 0; round < 2; round++) {
      const started = performance.now();
      const before = server.received().length;
      client.write(message);
      await waitFor(
        () => server.received().length === before + message.length,
        'the message at the server',
        10_000,
      );
      const serverRead = performance.now() - started;
      const reply = readBytes(client, message.length);
      const replied = performance.now();
      server.socket.write(message);
      assert.deepEqual(await reply, message);
      rounds.push({ serverRead, clientRead: performance.now() - replied });
    }
    client.destroy();
    return rounds;
  }

  test('TestUpstreamLatency, TestDownstreamLatency, TestFullstreamLatencyBias*: each stream delays by its own latency, every round', async () => {
    for (const [up, down] of [
      [200, 0],
      [0, 200],
      [300, 100],
      [100, 300],
    ] as const) {
      for (const round of await latencyRound(up, down)) {
        assert.ok(round.serverRead >= up, `up ${up}: the server read after ${round.serverRead} ms`);
        assert.ok(round.clientRead >= down, `down ${down}: the client read after ${round.clientRead} ms`);
        // A latency applied to the wrong stream would add the other stream's 200 ms here.
        if (up === 0) assert.ok(round.serverRead < down, `no upstream latency, yet ${round.serverRead} ms`);
        if (down === 0) assert.ok(round.clientRead < up, `no downstream latency, yet ${round.clientRead} ms`);
      }
    }
  });

  test('TestZeroLatency: a latency toxic of 0 ms passes the message at once, both ways', async () => {
    const { client, server } = await connectedThrough(
      { type: 'latency', stream: 'upstream', attributes: { latency: 0 } },
      { type: 'latency', stream: 'downstream', attributes: { latency: 0 } },
    );
    client.write(message);
    await waitFor(() => server.received().length === message.length, 'the message at the server');
    assert.deepEqual(server.received(), message);
    server.socket.write(message);
    assert.deepEqual(await readBytes(client, message.length), message);
    client.destroy();
  });

  test('TestTwoLatencyToxics: two latency toxics on one stream add up', async () => {
    const { client, server } = await connectedThrough(
      { name: 'latency_0', type: 'latency', stream: 'upstream', attributes: { latency: 200 } },
      { name: 'latency_1', type: 'latency', stream: 'upstream', attributes: { latency: 200 } },
    );
    const started = performance.now();
    client.write(message);
    await waitFor(() => server.received().length === message.length, 'the message at the server');
    const elapsed = performance.now() - started;
    assert.ok(elapsed >= 400, `arrived after ${elapsed} ms, before 200 + 200`);
    assert.deepEqual(server.received(), message);
    client.destroy();
  });

  test('TestLatencyToxicCloseRace: adding a latency toxic, connecting, writing, closing and removing it 100 times leaves the proxy sound', async () => {
    const proxy = await proxyTo(echo.address);
    for (let i = 0; i < 100; i++) {
      await addToxic(proxy.name, {
        name: 'latency',
        type: 'latency',
        stream: 'upstream',
        attributes: { latency: 10 },
      });
      const client = await connect(proxy.port);
      client.end('hello');
      await removeToxic(proxy.name, 'latency');
      client.destroy();
    }
    await waitFor(() => harness.engine.get(proxy.name).connections === 0, 'every link to close');
    const client = await connect(proxy.port);
    await assertEcho(client, 'still echoing');
    client.destroy();
  });

  test('TestLatencyToxicBandwidth: a latency toxic delays a stream without slowing it down', async () => {
    const block = Buffer.alloc(12_000, 'hello world ');
    const blocks = 100;
    const firehose = await startTcpServer((socket) => {
      let left = blocks;
      const pump = () => {
        while (left > 0) {
          left--;
          if (!socket.write(block)) return;
        }
      };
      socket.on('drain', pump);
      pump();
    });
    const proxy = await proxyTo(firehose.address);
    await addToxic(proxy.name, { type: 'latency', attributes: { latency: 100 } });
    const client = await connect(proxy.port);
    let reads = 0;
    client.on('data', () => reads++);
    const started = performance.now();
    await readBytes(client, block.length * blocks);
    const elapsed = performance.now() - started;
    // Were each read delayed after the one before it, as when queued chunks add up, the
    // reads would take 100 ms each, at least reads x 100 ms; a stream that is only delayed takes
    // 100 ms plus the transfer. That bound, not half of it, leaves the transfer the time a
    // loaded machine needs to move 1.2 MB through the proxy (up to (reads - 1) x 100 ms).
    assert.ok(reads >= 10, `only ${reads} reads`);
    assert.ok(elapsed < reads * 100, `${reads} reads took ${elapsed} ms`);
    client.destroy();
  });
});

describe('bandwidth_test.go', () => {
  test('TestBandwidthToxic: 480 kB at 1000 KB/s upstream arrive intact, no sooner than 480 ms', async () => {
    const { client, server } = await connectedThrough({
      type: 'bandwidth',
      stream: 'upstream',
      attributes: { rate: 1000 },
    });
    const written = Buffer.alloc(480_000, 'hello world ');
    const started = performance.now();
    client.end(written);
    const received = await server.ended;
    const elapsed = performance.now() - started;
    assert.deepEqual(received, written);
    assert.ok(elapsed >= 470, `took ${elapsed} ms; 480 kB at 1000 KB/s take 480 ms`);
  });
});

describe('slicer_test.go', () => {
  test('TestSlicerToxic: 48 kB sliced into 1024 ± 512 byte pieces 1 ms apart arrive intact and paced', async () => {
    const { client, server } = await connectedThrough({
      type: 'slicer',
      stream: 'upstream',
      attributes: { average_size: 1024, size_variation: 512, delay: 1000 },
    });
    const written = payload(48_000);
    const started = performance.now();
    client.end(written);
    const received = await server.ended;
    const elapsed = performance.now() - started;
    assert.deepEqual(received, written);
    // At most 1536 bytes a piece makes at least 32 pieces, so at least 31 gaps of 1 ms.
    assert.ok(elapsed >= 31, `took ${elapsed} ms`);
  });
});

describe('limit_data_test.go', () => {
  test('TestLimitDataToxicMayBeRestarted: the count survives an update; 90 then 20 bytes with a limit of 100 pass 100', async () => {
    const { proxy, client, server } = await connectedThrough({
      name: 'cap',
      type: 'limit_data',
      stream: 'upstream',
      attributes: { bytes: 100 },
    });
    const closed = readAll(client);
    const first = payload(90);
    client.write(first);
    await waitFor(() => server.received().length === 90, 'the first 90 bytes');
    await updateToxic(proxy.name, 'cap', { attributes: { bytes: 100 } });
    const second = Buffer.alloc(20, 'z');
    client.write(second);
    assert.deepEqual(await server.ended, Buffer.concat([first, second.subarray(0, 10)]));
    assert.equal((await closed).length, 0, 'the client is closed too');
  });

  test('raising the limit on a live connection lets the difference through, on the downstream stream', async () => {
    const { proxy, client, server } = await connectedThrough({
      name: 'cap',
      type: 'limit_data',
      attributes: { bytes: 50 },
    });
    const received = readAll(client);
    const first = payload(40);
    server.socket.write(first);
    await readBytes(client, 40);
    await updateToxic(proxy.name, 'cap', { attributes: { bytes: 70 } });
    server.socket.write(payload(60));
    assert.deepEqual(await received, Buffer.concat([first, payload(30)]));
    await server.ended;
  });

  test('lowering the limit below what already passed closes the connection at the next data, which is dropped', async () => {
    const { proxy, client, server } = await connectedThrough({
      name: 'cap',
      type: 'limit_data',
      stream: 'upstream',
      attributes: { bytes: 100 },
    });
    const closed = readAll(client);
    const first = payload(50);
    client.write(first);
    await waitFor(() => server.received().length === 50, 'the first 50 bytes');
    await updateToxic(proxy.name, 'cap', { attributes: { bytes: 20 } });
    client.write('more');
    assert.deepEqual(await server.ended, first);
    assert.equal((await closed).length, 0);
  });

  test('TestLimitDataToxicChunkLengthMatchesLimit: a chunk of exactly the limit passes whole, then both sides close', async () => {
    const { client, server } = await connectedThrough({
      type: 'limit_data',
      stream: 'upstream',
      attributes: { bytes: 100 },
    });
    const closed = readAll(client);
    const exact = payload(100);
    client.write(exact);
    assert.deepEqual(await server.ended, exact);
    assert.equal((await closed).length, 0);
  });

  test('TestLimitDataToxicLimitIsSetToZero: with bytes 0 nothing passes and the first data closes the connection', async () => {
    const { client, server } = await connectedThrough({
      type: 'limit_data',
      stream: 'upstream',
      attributes: { bytes: 0 },
    });
    const closed = readAll(client);
    client.write(payload(100));
    assert.equal((await server.ended).length, 0, 'the server received nothing');
    assert.equal((await closed).length, 0);
  });
});

describe('timeout_test.go', () => {
  test('TestTimeoutToxicDoesNotCauseHang: removing a latency toxic in front of a timeout 0 returns at once', async () => {
    const { proxy, client, server } = await connectedThrough();
    await addToxic(proxy.name, {
      name: 'might_block',
      type: 'latency',
      stream: 'upstream',
      attributes: { latency: 10 },
    });
    await addToxic(proxy.name, {
      name: 'timeout',
      type: 'timeout',
      stream: 'upstream',
      attributes: { timeout: 0 },
    });
    for (let i = 0; i < 5; i++) client.write('hello');
    await waitFor(
      () => harness.engine.get(proxy.name).stats().bytes.upstream.received >= 25,
      'the writes to reach the proxy',
    );
    await removeToxic(proxy.name, 'might_block');
    assert.equal(server.received().length, 0, 'the timeout dropped every byte');
    client.destroy();
  });

  test('TestTimeoutToxicClosesConnectionOnRemove: both the client and the server see the close', async () => {
    const { proxy, client, server } = await connectedThrough();
    await assertEchoThrough(client, server);
    await addToxic(proxy.name, {
      name: 'to_delete',
      type: 'timeout',
      stream: 'upstream',
      attributes: { timeout: 0 },
    });
    const clientClosed = readAll(client);
    await removeToxic(proxy.name, 'to_delete');
    assert.equal((await clientClosed).length, 0);
    assert.equal((await server.ended).toString(), 'foobar');
  });
});

describe('timeout 0', () => {
  test('downstream: replies are dropped and the connection stays open while the client goes on sending', async () => {
    const { proxy, client, server } = await connectedThrough({
      type: 'timeout',
      attributes: { timeout: 0 },
    });
    let clientEnded = false;
    client.on('end', () => (clientEnded = true));
    client.on('data', () => assert.fail('a reply passed a timeout toxic'));
    for (let round = 1; round <= 3; round++) {
      client.write(`ask ${round};`);
      await waitFor(() => server.received().length === round * 6, `question ${round} at the server`);
      server.socket.write(`answer ${round}`);
      await waitFor(
        () => harness.engine.get(proxy.name).stats().bytes.downstream.received === round * 8,
        `answer ${round} at the proxy`,
      );
    }
    assert.equal(clientEnded, false);
    assert.equal(server.socket.destroyed, false);
    client.destroy();
  });
});

/** foobar from the client to the server and back, as WithEstablishedProxy checks before each test. */
async function assertEchoThrough(client: net.Socket, server: { socket: net.Socket; received: () => Buffer }) {
  client.write('foobar');
  await waitFor(() => server.received().toString() === 'foobar', 'foobar at the server');
  server.socket.write('foobar');
  assert.equal((await readBytes(client, 6)).toString(), 'foobar');
}

describe('reset_peer_test.go', () => {
  /** The client writes a line and reads: Toxiproxy's helper expects ECONNRESET, then nothing more. */
  async function resetRound(stream: string, timeout: number) {
    const upstream = await startTcpServer((socket) =>
      socket.once('data', () => socket.write('reset toxic payload\n')),
    );
    const proxy = await proxyTo(upstream.address);
    await addToxic(proxy.name, { name: 'resettcp', type: 'reset_peer', stream, attributes: { timeout } });
    const client = await connect(proxy.port);
    const result = outcome(client);
    const received: Buffer[] = [];
    client.on('data', (chunk: Buffer) => received.push(chunk));
    const started = performance.now();
    client.write('reset toxic payload\n');
    const code = await result;
    return { code, elapsed: performance.now() - started, received: Buffer.concat(received).toString() };
  }

  test('TestResetToxicNoTimeout: the client is reset when it sends', async () => {
    const { code, received } = await resetRound('upstream', 0);
    assert.equal(code, 'ECONNRESET');
    assert.equal(received, '');
  });

  test('TestResetToxicWithTimeout: upstream, the reset comes no sooner than the timeout', async () => {
    const { code, elapsed, received } = await resetRound('upstream', 100);
    assert.equal(code, 'ECONNRESET');
    assert.ok(elapsed >= 100, `reset after ${elapsed} ms`);
    assert.equal(received, '', 'the request never reached the server, so no reply came');
  });

  test('TestResetToxicWithTimeoutDownstream: downstream, the reply is held and the reset comes after the timeout', async () => {
    const { code, elapsed, received } = await resetRound('downstream', 100);
    assert.equal(code, 'ECONNRESET');
    assert.ok(elapsed >= 100, `reset after ${elapsed} ms`);
    assert.equal(received, '', 'the reply was dropped by the reset');
  });
});

describe('link_test.go', () => {
  test('TestToxicity: a timeout at toxicity 0 passes data; updated to toxicity 1 and 100 ms it drops the next byte and closes', async () => {
    const { proxy, client, server } = await connectedThrough({
      name: 'timeout1',
      type: 'timeout',
      stream: 'upstream',
      toxicity: 0,
    });
    client.write(Buffer.from([42]));
    await waitFor(() => server.received().length === 1, 'the byte at the server');
    // The 100 ms run from the update, which takes effect before its answer arrives here.
    const started = performance.now();
    await updateToxic(proxy.name, 'timeout1', { toxicity: 1, attributes: { timeout: 100 } });
    const closed = readAll(client);
    client.write(Buffer.from([43]));
    assert.equal((await closed).length, 0);
    assert.ok(performance.now() - started >= 100, 'closed by the 100 ms timeout, not at once');
    assert.deepEqual(await server.ended, Buffer.from([42]), 'the second byte was dropped');
  });

  test('TestResetToxicZeroToxicity: reset_peer at toxicity 0 passes data and resets nothing', async () => {
    const proxy = await proxyTo(echo.address);
    await addToxic(proxy.name, { name: 'reset1', type: 'reset_peer', toxicity: 0 });
    const client = await connect(proxy.port);
    await assertEcho(client, 'c');
    const ended = readAll(client);
    client.end();
    assert.equal((await ended).length, 0, 'a clean close, no reset');
  });

  test('TestRemoveToxicWithBrokenConnection: removing rate-0 bandwidth toxics on both streams of a connection whose client left returns', async () => {
    const proxy = await proxyTo(echo.address);
    await addToxic(proxy.name, { name: 'down', type: 'bandwidth', attributes: { rate: 0 } });
    await addToxic(proxy.name, {
      name: 'up',
      type: 'bandwidth',
      stream: 'upstream',
      attributes: { rate: 0 },
    });
    const client = await connect(proxy.port);
    for (let i = 0; i < 100; i++) client.write(Buffer.from([0, 42]));
    await waitFor(
      () => harness.engine.get(proxy.name).stats().bytes.upstream.received >= 200,
      'the writes to reach the proxy',
    );
    client.destroy();
    await removeToxic(proxy.name, 'down');
    await removeToxic(proxy.name, 'up');
    await waitFor(() => harness.engine.get(proxy.name).connections === 0, 'the link to close');
  });
});

describe('toxic_collection_test.go, bidirectional_test.go', () => {
  test('TestUpdateToxicJsonDoesNotShareStateWithLiveToxic: a rejected update leaves the toxic and its live connections as they were', async () => {
    const { proxy, client, server } = await connectedThrough({
      name: 'lag',
      type: 'latency',
      stream: 'upstream',
      attributes: { latency: 150 },
    });
    const rejected = await harness.api('PATCH', `/proxies/${proxy.name}/toxics/lag`, {
      attributes: { latency: 0, jitter: -1 },
    });
    assert.equal(rejected.status, 400, rejected.text);
    const kept = await harness.api('GET', `/proxies/${proxy.name}/toxics/lag`);
    assert.deepEqual(kept.json.attributes, { latency: 150, jitter: 0 });
    const started = performance.now();
    client.write('x');
    await waitFor(() => server.received().length === 1, 'the byte at the server');
    assert.ok(performance.now() - started >= 150, 'the live connection kept the 150 ms');
    client.destroy();
  });

  test('stream "both", which only a Go test toxic knows, is refused with the valid streams', async () => {
    const proxy = await proxyTo(echo.address);
    const reply = await harness.api('POST', `/proxies/${proxy.name}/toxics`, {
      type: 'latency',
      stream: 'both',
    });
    assert.equal(reply.status, 400, reply.text);
    assert.equal(reply.json.error, 'stream was invalid, can be either upstream or downstream');
  });
});

describe('proxy_test.go', () => {
  test('TestProxyTwoPartMessage: two writes then a close arrive as one stream, then EOF', async () => {
    const { client, server } = await connectedThrough();
    client.write('hello world');
    client.end('hello world');
    assert.equal((await server.ended).toString(), 'hello worldhello world');
  });

  test('TestClosingProxyMultipleTimes, TestStopProxyBeforeStarting: disabling or enabling twice is harmless', async () => {
    const proxy = await proxyTo(echo.address);
    for (let i = 0; i < 3; i++) {
      const reply = await harness.api('POST', `/proxies/${proxy.name}`, { enabled: false });
      assert.equal(reply.status, 200, reply.text);
      assert.equal(reply.json.enabled, false);
    }
    assert.equal(await canConnect(proxy.port), false);
    for (let i = 0; i < 2; i++) {
      const reply = await harness.api('POST', `/proxies/${proxy.name}`, { enabled: true });
      assert.equal(reply.status, 200, reply.text);
    }
    const client = await connect(proxy.port);
    await assertEcho(client, 'up again');
    client.destroy();
  });

  test('TestRestartFailedToStartProxy: a proxy that could not listen starts once the port is free', async () => {
    const holder = await proxyTo(echo.address);
    const waiting = await createProxy(harness, `tp${++counter}`, echo.address, {
      listen: '127.0.0.1:0',
      enabled: false,
    });
    const conflict = await harness.api('POST', `/proxies/${waiting.name}`, {
      listen: holder.listen,
      enabled: true,
    });
    assert.equal(conflict.status, 500, conflict.text);
    assert.match(conflict.json.error, /address already in use/);
    assert.equal((await harness.api('POST', `/proxies/${holder.name}`, { enabled: false })).status, 200);
    const started = await harness.api('POST', `/proxies/${waiting.name}`, {
      listen: holder.listen,
      enabled: true,
    });
    assert.equal(started.status, 200, started.text);
    assert.equal(started.json.listen, holder.listen);
    const client = await connect(holder.port);
    await assertEcho(client, 'second proxy');
    client.destroy();
  });

  test('TestProxyUpdate: a new upstream closes the open connections and new ones go to the new upstream', async () => {
    const first = await startRecordingServer();
    const second = await startRecordingServer();
    const proxy = await proxyTo(first.address);
    const client = await connect(proxy.port);
    const old = await first.connection(0);
    const closed = readAll(client);
    const reply = await harness.api('POST', `/proxies/${proxy.name}`, { upstream: second.address });
    assert.equal(reply.status, 200, reply.text);
    assert.equal((await closed).length, 0, 'the client connection was closed');
    await old.ended;
    const next = await connect(proxy.port);
    next.write('to the new one');
    await waitFor(
      async () => (await second.connection(0)).received().toString() === 'to the new one',
      'the new upstream',
    );
    next.destroy();
  });

  test('TestProxyUpdate: a new listen address closes the old port and its connections; the new port serves', async () => {
    const proxy = await proxyTo(echo.address);
    const client = await connect(proxy.port);
    await assertEcho(client, 'before');
    const closed = readAll(client);
    const reply = await harness.api('POST', `/proxies/${proxy.name}`, { listen: '127.0.0.1:0' });
    assert.equal(reply.status, 200, reply.text);
    const port = Number(reply.json.listen.split(':').pop());
    assert.notEqual(port, proxy.port);
    assert.equal((await closed).length, 0);
    assert.equal(await canConnect(proxy.port), false);
    const moved = await connect(port);
    await assertEcho(moved, 'after');
    moved.destroy();
  });

  test('TestProxyUpdateWithHostname: listen 127.0.0.1:P changed to localhost:P is the same address; the live connection stays', async () => {
    const proxy = await proxyTo(echo.address);
    const client = await connect(proxy.port);
    await assertEcho(client, 'one');
    const reply = await harness.api('PATCH', `/proxies/${proxy.name}`, { listen: `localhost:${proxy.port}` });
    assert.equal(reply.status, 200, reply.text);
    assert.equal(reply.json.listen, `127.0.0.1:${proxy.port}`);
    await assertEcho(client, 'two');
    client.destroy();
  });

  test('an update that changes neither listen nor upstream leaves open connections alone', async () => {
    const proxy = await proxyTo(echo.address);
    const client = await connect(proxy.port);
    await assertEcho(client, 'one');
    const reply = await harness.api('POST', `/proxies/${proxy.name}`, {
      listen: proxy.listen,
      upstream: echo.address,
      enabled: true,
    });
    assert.equal(reply.status, 200, reply.text);
    await assertEcho(client, 'two');
    client.destroy();
  });

  test('disabling a proxy closes its connections on the server side too', async () => {
    const { proxy, client, server } = await connectedThrough();
    const closed = readAll(client);
    assert.equal((await harness.api('POST', `/proxies/${proxy.name}`, { enabled: false })).status, 200);
    await closed;
    await server.ended;
  });
});

describe('proxy lifecycle with toxics and live connections', () => {
  test('deleting a proxy closes its live connections on both sides and its port', async () => {
    const { proxy, client, server } = await connectedThrough();
    const closed = readAll(client);
    assert.equal((await harness.api('DELETE', `/proxies/${proxy.name}`)).status, 204);
    await closed;
    await server.ended;
    assert.equal(await canConnect(proxy.port), false);
  });

  test('a disabled proxy keeps its toxics: enabled again, new connections get them', async () => {
    const upstream = await startRecordingServer();
    const proxy = await proxyTo(upstream.address);
    await addToxic(proxy.name, { type: 'latency', stream: 'upstream', attributes: { latency: 150 } });
    assert.equal((await harness.api('POST', `/proxies/${proxy.name}`, { enabled: false })).status, 200);
    assert.equal((await harness.api('POST', `/proxies/${proxy.name}`, { enabled: true })).status, 200);
    const client = await connect(proxy.port);
    const server = await upstream.connection(0);
    const started = performance.now();
    client.write('x');
    await waitFor(() => server.received().length === 1, 'the byte at the server');
    assert.ok(performance.now() - started >= 150);
    client.destroy();
  });

  test('TestUpdateToxics on a live connection: a new latency applies to the next bytes', async () => {
    const { proxy, client, server } = await connectedThrough({
      name: 'lag',
      type: 'latency',
      stream: 'upstream',
      attributes: { latency: 10 },
    });
    client.write('a');
    await waitFor(() => server.received().length === 1, 'the first byte');
    await updateToxic(proxy.name, 'lag', { attributes: { latency: 250 } });
    const started = performance.now();
    client.write('b');
    await waitFor(() => server.received().length === 2, 'the second byte');
    assert.ok(performance.now() - started >= 250, 'the updated latency applied');
    client.destroy();
  });
});

describe('stacking and ordering', () => {
  test('toxics on one stream apply in the order they were added: a limit before a latency cuts, then delays', async () => {
    const { client, server } = await connectedThrough(
      { name: 'cap', type: 'limit_data', attributes: { bytes: 4 } },
      { name: 'lag', type: 'latency', attributes: { latency: 100 } },
    );
    const received = readAll(client);
    const started = performance.now();
    server.socket.write('abcdefgh');
    assert.equal((await received).toString(), 'abcd');
    assert.ok(performance.now() - started >= 100, 'the cut data was still delayed');
  });

  test('latency with jitter keeps the bytes in order', async () => {
    const { client, server } = await connectedThrough({
      type: 'latency',
      stream: 'upstream',
      attributes: { latency: 30, jitter: 30 },
    });
    const values = Buffer.alloc(400);
    for (let i = 0; i < 100; i++) {
      values.writeUInt32BE(i, i * 4);
      client.write(values.subarray(i * 4, i * 4 + 4));
      await new Promise((resolve) => setImmediate(resolve));
    }
    client.end();
    assert.deepEqual(await server.ended, values);
  });

  test('toxics on the two streams act independently: upstream latency, downstream limit', async () => {
    const proxy = await proxyTo(echo.address);
    await addToxic(proxy.name, {
      name: 'lag',
      type: 'latency',
      stream: 'upstream',
      attributes: { latency: 100 },
    });
    await addToxic(proxy.name, { name: 'cap', type: 'limit_data', attributes: { bytes: 3 } });
    const client = await connect(proxy.port);
    const received = readAll(client);
    const started = performance.now();
    client.write('abcdef');
    assert.equal((await received).toString(), 'abc');
    assert.ok(performance.now() - started >= 100);
  });

  test('a timeout that fires flushes the toxics after it before the close: slow_close still delays it', async () => {
    const upstream = await startRecordingServer();
    const proxy = await proxyTo(upstream.address);
    await addToxic(proxy.name, { name: 'cut', type: 'timeout', attributes: { timeout: 50 } });
    await addToxic(proxy.name, { name: 'linger', type: 'slow_close', attributes: { delay: 150 } });
    // The timeout starts with the connection, which the proxy may accept before connect() resolves.
    const started = performance.now();
    const client = await connect(proxy.port);
    assert.equal((await readAll(client)).length, 0);
    assert.ok(performance.now() - started >= 200, 'closed by the timeout, then held by slow_close');
  });
});

/** Bytes the proxy has read from the client (upstream) or from the server (downstream). */
const receivedBy = (proxy: string, stream: 'upstream' | 'downstream') =>
  harness.engine.get(proxy).stats().bytes[stream].received;

/**
 * How a Node socket sees a reset that arrives right behind data: ECONNRESET, or an end when both
 * come in one wake-up (libuv reports the hang-up after a short read as an end, not an error).
 */
const closedAfterData = ['ECONNRESET', 'end'];

describe('EOF through toxics', () => {
  for (const [how, close] of [
    ['ends', (socket: net.Socket) => socket.end('reply')],
    ['ends and is destroyed', (socket: net.Socket) => socket.end('reply', () => socket.destroy())],
  ] as const) {
    test(`a server that replies and ${how}: the reply still comes through a latency, then EOF`, async () => {
      const { client, server } = await connectedThrough({ type: 'latency', attributes: { latency: 150 } });
      const received = readAll(client);
      const started = performance.now();
      close(server.socket);
      assert.equal((await received).toString(), 'reply');
      assert.ok(performance.now() - started >= 150);
    });
  }

  test('a server that replies and resets: the reply still comes through a latency, then the reset', async () => {
    const { proxy, client, server } = await connectedThrough({
      type: 'latency',
      attributes: { latency: 150 },
    });
    const chunks: Buffer[] = [];
    client.on('data', (chunk: Buffer) => chunks.push(chunk));
    const ended = outcome(client);
    const started = performance.now();
    server.socket.write('reply');
    await waitFor(() => receivedBy(proxy.name, 'downstream') === 5, 'the reply at the proxy');
    server.socket.resetAndDestroy();
    assert.ok(closedAfterData.includes(await ended));
    assert.equal(Buffer.concat(chunks).toString(), 'reply');
    assert.ok(performance.now() - started >= 150);
  });

  test('a server that replies and closes while the client still sends: the reply still comes through a latency', async () => {
    // The client's next bytes meet the closed server (EPIPE at the proxy): the reply the proxy
    // holds is the server's all the same, as in Toxiproxy, whose links end one by one.
    const { client, server } = await connectedThrough({ type: 'latency', attributes: { latency: 150 } });
    client.on('error', () => undefined);
    const received = readAll(client);
    const started = performance.now();
    server.socket.end('reply', () => server.socket.destroy());
    const writes = setInterval(() => {
      if (!client.writableEnded && !client.destroyed) client.write('more');
    }, 5);
    try {
      assert.equal((await received).toString(), 'reply');
    } finally {
      clearInterval(writes);
    }
    assert.ok(performance.now() - started >= 150);
  });

  test('a reset from the server waits for slow_close, as an end does', async () => {
    const { client, server } = await connectedThrough({ type: 'slow_close', attributes: { delay: 150 } });
    const ended = outcome(client);
    const started = performance.now();
    server.socket.resetAndDestroy();
    assert.equal(await ended, 'ECONNRESET');
    assert.ok(performance.now() - started >= 150);
  });

  test('a reset from the client passes the upstream latency after the request it sent', async () => {
    const { proxy, client, server } = await connectedThrough({
      type: 'latency',
      stream: 'upstream',
      attributes: { latency: 150 },
    });
    const ended = outcome(server.socket);
    client.write('request');
    await waitFor(() => receivedBy(proxy.name, 'upstream') === 7, 'the request at the proxy');
    client.resetAndDestroy();
    assert.ok(closedAfterData.includes(await ended));
    assert.equal(server.received().toString(), 'request');
  });
});

describe('noop toxics', () => {
  test('TestToxicAddRemove: noop toxics added and removed on both streams between 100 echoes', async () => {
    const proxy = await proxyTo(echo.address);
    const client = await connect(proxy.port);
    client.setMaxListeners(0); // each of the 100 reads leaves its error and close listeners
    for (let i = 0; i < 100; i++) {
      if (i % 2 === 0) {
        await addToxic(proxy.name, { name: 'noop_up', type: 'noop', stream: 'upstream' });
        if (i > 0) await removeToxic(proxy.name, 'noop_down');
      } else {
        await removeToxic(proxy.name, 'noop_up');
        await addToxic(proxy.name, { name: 'noop_down', type: 'noop', stream: 'downstream' });
      }
      await assertEcho(client, `hello world ${i}\n`);
    }
    client.destroy();
  });
});
