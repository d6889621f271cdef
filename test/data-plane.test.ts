import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
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
const proxyTo = (upstream = echo.address) => createProxy(harness, `p${++counter}`, upstream);
const addToxic = async (proxy: string, toxic: object) => {
  const reply = await harness.api('POST', `/proxies/${proxy}/toxics`, toxic);
  assert.equal(reply.status, 200, reply.text);
};

describe('forwarding', () => {
  test('bytes pass intact both ways, including a 1 MiB message', async () => {
    const proxy = await proxyTo();
    const client = await connect(proxy.port);
    const message = Buffer.alloc(1024 * 1024, 'faultline');
    client.write(message);
    assert.deepEqual(await readBytes(client, message.length), message);
    client.destroy();
  });

  test('a half-close passes through: the server still replies after the client FIN', async () => {
    const replier = await startTcpServer(
      (socket) => {
        const chunks: Buffer[] = [];
        socket.on('data', (chunk) => chunks.push(chunk));
        socket.on('end', () => socket.end(`got ${Buffer.concat(chunks).toString()}`));
      },
      { allowHalfOpen: true },
    );
    const proxy = await proxyTo(replier.address);
    const client = await connect(proxy.port);
    const reply = readAll(client);
    client.end('question');
    assert.equal((await reply).toString(), 'got question');
  });

  for (const size of [64 * 1024, 4 * 1024 * 1024]) {
    test(`a server that ends first still reads the client's last ${size / 1024} KiB whole, then an end`, async () => {
      // The client's FIN comes last: the proxy then closes the upstream socket (both ways ended)
      // rather than shutting it down, and a close must not cost the bytes still on their way.
      let serverSaw!: (seen: { bytes: number; errors: string[] }) => void;
      const received = new Promise<{ bytes: number; errors: string[] }>((resolve) => (serverSaw = resolve));
      const server = await startTcpServer(
        (socket) => {
          let bytes = 0;
          const errors: string[] = [];
          socket.on('data', (chunk: Buffer) => (bytes += chunk.length));
          socket.on('error', (error: NodeJS.ErrnoException) => errors.push(error.code ?? error.message));
          socket.on('close', () => serverSaw({ bytes, errors }));
          socket.end('bye');
        },
        { allowHalfOpen: true },
      );
      const proxy = await proxyTo(server.address);
      const client = net.connect({ port: proxy.port, host: '127.0.0.1', allowHalfOpen: true });
      assert.equal((await readAll(client)).toString(), 'bye');
      const closed = once(client, 'close');
      client.end(Buffer.alloc(size, 'z'));
      assert.deepEqual(await received, { bytes: size, errors: [] });
      assert.deepEqual(await closed, [false]);
    });
  }

  test('an unreachable upstream accepts, then closes the client', async () => {
    const closed = await startTcpServer(() => undefined);
    await closed.close();
    const proxy = await proxyTo(closed.address);
    const client = await connect(proxy.port);
    assert.equal((await readAll(client)).length, 0);
  });

  test('disabling a proxy closes its live connections', async () => {
    const proxy = await proxyTo();
    const client = await connect(proxy.port);
    const ended = readAll(client);
    await waitFor(() => harness.engine.get(proxy.name).connections === 1, 'the link to open');
    await harness.api('PATCH', `/proxies/${proxy.name}`, { enabled: false });
    await ended;
    assert.equal(await canConnect(proxy.port), false);
  });
});

describe('toxics on live traffic', () => {
  test('latency delays each round trip by at least the latency', async () => {
    const proxy = await proxyTo();
    await addToxic(proxy.name, { type: 'latency', attributes: { latency: 60 } });
    const client = await connect(proxy.port);
    const started = performance.now();
    client.write('ping');
    await readBytes(client, 4);
    assert.ok(performance.now() - started >= 60, 'arrived no earlier than the latency');
    client.destroy();
  });

  test('bandwidth takes at least size / rate', async () => {
    const proxy = await proxyTo();
    await addToxic(proxy.name, { type: 'bandwidth', attributes: { rate: 100 } });
    const client = await connect(proxy.port);
    const started = performance.now();
    client.write(Buffer.alloc(20_000));
    await readBytes(client, 20_000);
    assert.ok(performance.now() - started >= 200, '20 kB at 100 KB/s takes 200 ms or more');
    client.destroy();
  });

  test('bandwidth 0 holds the data until the toxic is removed, then delivers all of it', async () => {
    const proxy = await proxyTo();
    await addToxic(proxy.name, { type: 'bandwidth', name: 'cut', attributes: { rate: 0 } });
    const client = await connect(proxy.port);
    client.write('held');
    await waitFor(() => harness.engine.get(proxy.name).stats().toxicActions.get('cut') === 1, 'the stall');
    const arrived = readBytes(client, 4);
    await harness.api('DELETE', `/proxies/${proxy.name}/toxics/cut`);
    assert.equal((await arrived).toString(), 'held');
    client.destroy();
  });

  test('slow_close delays the close after the data', async () => {
    const proxy = await proxyTo();
    await addToxic(proxy.name, { type: 'slow_close', attributes: { delay: 80 } });
    const client = await connect(proxy.port);
    client.end('bye');
    const started = performance.now();
    assert.equal((await readAll(client)).toString(), 'bye');
    assert.ok(performance.now() - started >= 80);
  });

  test('timeout drops data and closes after the timeout', async () => {
    const proxy = await proxyTo();
    await addToxic(proxy.name, { type: 'timeout', stream: 'upstream', attributes: { timeout: 50 } });
    const client = await connect(proxy.port);
    client.write('lost');
    assert.equal((await readAll(client)).length, 0);
  });

  test('removing a timeout toxic closes its connections', async () => {
    const proxy = await proxyTo();
    await addToxic(proxy.name, { type: 'timeout', name: 'hold', attributes: { timeout: 0 } });
    const client = await connect(proxy.port);
    const ended = readAll(client);
    await waitFor(() => harness.engine.get(proxy.name).connections === 1, 'the link to open');
    await harness.api('DELETE', `/proxies/${proxy.name}/toxics/hold`);
    assert.equal((await ended).length, 0);
  });

  test('reset_peer resets the client with ECONNRESET when data arrives', async () => {
    const proxy = await proxyTo();
    await addToxic(proxy.name, { type: 'reset_peer', stream: 'upstream', attributes: { timeout: 0 } });
    const client = await connect(proxy.port);
    client.write('x');
    const [error] = await once(client, 'error');
    assert.equal((error as NodeJS.ErrnoException).code, 'ECONNRESET');
  });

  test('slicer cuts data into small pieces without losing a byte', async () => {
    const pieces: number[] = [];
    const counter = await startTcpServer((socket) => socket.on('data', (chunk) => pieces.push(chunk.length)));
    const proxy = await proxyTo(counter.address);
    await addToxic(proxy.name, {
      type: 'slicer',
      stream: 'upstream',
      attributes: { average_size: 10, size_variation: 5, delay: 10_000 },
    });
    const client = await connect(proxy.port);
    client.write(Buffer.alloc(150));
    await waitFor(() => pieces.reduce((a, b) => a + b, 0) === 150, 'all 150 bytes');
    assert.ok(pieces.length >= 5, `got ${pieces.length} reads`);
    const median = [...pieces].sort((a, b) => a - b)[Math.floor(pieces.length / 2)]!;
    assert.ok(median <= 15, `reads were ${pieces.join(',')} bytes`);
    client.destroy();
  });

  test('limit_data lets exactly N bytes through, then closes', async () => {
    const proxy = await proxyTo();
    await addToxic(proxy.name, { type: 'limit_data', attributes: { bytes: 10 } });
    const client = await connect(proxy.port);
    const received = readAll(client);
    client.write('1234567');
    client.write('89abcdef');
    assert.equal((await received).toString(), '123456789a');
  });

  test('toxicity 0 never applies and toxicity 1 always does', async () => {
    const proxy = await proxyTo();
    await addToxic(proxy.name, { type: 'timeout', name: 'never', toxicity: 0 });
    const client = await connect(proxy.port);
    client.write('through');
    assert.equal((await readBytes(client, 7)).toString(), 'through');
    client.destroy();
    const cut = await proxyTo();
    await addToxic(cut.name, { type: 'limit_data', name: 'always', toxicity: 1, attributes: { bytes: 2 } });
    for (let connection = 0; connection < 5; connection++) {
      const limited = await connect(cut.port);
      const received = readAll(limited);
      limited.write('through');
      assert.equal((await received).toString(), 'th', `connection ${connection}`);
    }
  });

  test('toxics added to a live connection act on its next bytes', async () => {
    const proxy = await proxyTo();
    const client = await connect(proxy.port);
    client.write('a');
    await readBytes(client, 1);
    await addToxic(proxy.name, { type: 'latency', attributes: { latency: 50 } });
    const started = performance.now();
    client.write('b');
    await readBytes(client, 1);
    assert.ok(performance.now() - started >= 50);
    client.destroy();
  });
});
