import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, test } from 'node:test';
import { promisify } from 'node:util';
import type { EngineEvent } from '../src/model/events.js';
import { startHarness, waitFor } from './helpers.js';
import { createUdpProxy, startUdpEcho, udpClient } from './udp-helpers.js';

const run = promisify(execFile);

/**
 * Sends one UDP datagram whose header says source port 0 to 127.0.0.1:port, through a raw
 * socket (python3, as root): no bound socket can send one, but anyone who can send raw packets
 * to the proxy's port can.
 */
async function sendFromPortZero(port: number, payload: string): Promise<void> {
  const script = [
    'import socket, struct, sys',
    'payload = sys.argv[2].encode()',
    "header = struct.pack('!HHHH', 0, int(sys.argv[1]), 8 + len(payload), 0)",
    's = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_UDP)',
    "s.sendto(header + payload, ('127.0.0.1', 0))",
  ].join('\n');
  await run('python3', ['-c', script, String(port), payload]);
}

const rawSockets = process.getuid?.() === 0 ? false : 'raw sockets need root';

describe('a datagram from source port 0', () => {
  test('is dropped and reported once, and the server goes on serving', { skip: rawSockets }, async () => {
    const harness = await startHarness();
    const failures: EngineEvent[] = [];
    harness.engine.events.on((event: EngineEvent) => {
      if (event.type === 'connection.failed') failures.push(event);
    });
    const echo = await startUdpEcho();
    const proxy = await createUdpProxy(harness, 'zero', echo.address);

    // Before, the upstream's reply went to port 0: node threw on the send and the server stopped.
    await sendFromPortZero(proxy.port, 'from zero');
    await waitFor(() => failures.length === 1, 'the datagram from port 0 reported');
    assert.deepEqual(failures[0], {
      type: 'connection.failed',
      proxy: 'zero',
      client: '127.0.0.1:0',
      upstream: echo.address,
      error:
        'the datagram came from source port 0, which no reply can reach (only a raw socket or a broken NAT sends from it): dropped, and so are later ones from port 0, without another event; send from a bound UDP port',
      protocol: 'udp',
    });
    await sendFromPortZero(proxy.port, 'again');

    const client = await udpClient();
    client.send('hello', proxy.port);
    await waitFor(() => client.received.length === 1, 'the echo through the proxy');
    assert.deepEqual(
      echo.received.map((data) => data.toString()),
      ['hello'],
      'nothing from port 0 reached the upstream',
    );
    assert.equal(failures.length, 1, 'reported once');
    assert.equal(harness.engine.get('zero').stats().connectionsTotal, 1, 'port 0 opened no flow');
    await harness.close();
  });
});

describe('a udp proxy whose upstream port is 0', () => {
  test('is created with a warning, reports the first datagram and drops them, and the server goes on', async () => {
    const harness = await startHarness();
    const failures: EngineEvent[] = [];
    harness.engine.events.on((event: EngineEvent) => {
      if (event.type === 'connection.failed') failures.push(event);
    });
    const said =
      'its port is 0, which no datagram can be sent to: datagrams are dropped; give the port the upstream listens on (PATCH the proxy with {"upstream": "HOST:PORT"})';
    const created = await harness.api('POST', '/proxies', {
      name: 'nowhere',
      listen: '127.0.0.1:0',
      upstream: '127.0.0.1:0',
      protocol: 'udp',
    });
    assert.equal(created.status, 201, created.text);
    assert.equal(
      created.headers.get('warning'),
      `299 faultline ${JSON.stringify(`proxy "nowhere": upstream 127.0.0.1:0: ${said}`)}`,
    );
    const port = Number(created.json.listen.split(':').pop());

    // Before, the flow's socket connected to port 0: node threw and the server stopped.
    const client = await udpClient();
    client.send('a', port);
    client.send('b', port);
    await waitFor(() => failures.length === 1, 'the unusable upstream reported');
    assert.deepEqual(failures[0], {
      type: 'connection.failed',
      proxy: 'nowhere',
      client: `127.0.0.1:${client.socket.address().port}`,
      upstream: '127.0.0.1:0',
      error: said,
      protocol: 'udp',
    });

    const echo = await startUdpEcho();
    const moved = await harness.api('PATCH', '/proxies/nowhere', { upstream: echo.address });
    assert.equal(moved.status, 200, moved.text);
    assert.equal(moved.headers.get('warning'), null);
    client.send('c', port);
    await waitFor(() => client.received.length === 1, 'the echo once the upstream has a port');
    assert.deepEqual(
      echo.received.map((data) => data.toString()),
      ['c'],
    );
    assert.equal(failures.length, 1, 'reported once, not per datagram');
    await harness.close();
  });
});
