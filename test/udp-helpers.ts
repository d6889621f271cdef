import { type ChildProcess, spawn } from 'node:child_process';
import dgram from 'node:dgram';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { after } from 'node:test';
import type { UdpProxy } from '../src/proxy/udp/udp-proxy.js';
import { announced, type Harness, startOnFreePort, waitFor } from './helpers.js';

/**
 * A UDP server on 127.0.0.1:0 that records every datagram it receives and, unless `echo` is
 * false, sends it back; closed after the file.
 */
export async function startUdpEcho(echo = true) {
  const socket = dgram.createSocket('udp4');
  const received: Buffer[] = [];
  socket.on('message', (data, from) => {
    received.push(data);
    if (echo) socket.send(data, from.port, from.address);
  });
  socket.bind(0, '127.0.0.1');
  await once(socket, 'listening');
  const { port } = socket.address();
  after(() => socket.close());
  return { socket, port, address: `127.0.0.1:${port}`, received };
}

/** A UDP client socket on 127.0.0.1 that collects what it receives; closed after the file. */
export async function udpClient(address = '127.0.0.1') {
  const socket = dgram.createSocket('udp4');
  const received: Buffer[] = [];
  socket.on('message', (data) => received.push(data));
  socket.bind(0, address);
  await once(socket, 'listening');
  after(() => {
    try {
      socket.close();
    } catch {
      // closed by the test already
    }
  });
  return {
    socket,
    received,
    send: (data: Buffer | string, port: number) => socket.send(data, port, '127.0.0.1'),
  };
}

export async function createUdpProxy(harness: Harness, name: string, upstream: string, extra: object = {}) {
  const reply = await harness.api('POST', '/proxies', {
    name,
    listen: '127.0.0.1:0',
    upstream,
    protocol: 'udp',
    ...extra,
  });
  if (reply.status !== 201) throw new Error(`create udp proxy failed: ${reply.status} ${reply.text}`);
  return { ...reply.json, port: Number(reply.json.listen.split(':').pop()) } as {
    name: string;
    listen: string;
    port: number;
  };
}

/** dnsmasq on 127.0.0.1:port answering example.test with 10.1.2.3, stopped by its pid after the file. */
/** A real DNS server (dnsmasq) on a free loopback port, stopped after the file. */
export async function startDnsmasq(): Promise<{ child: ChildProcess; port: number }> {
  if (!existsSync('/usr/sbin/dnsmasq')) {
    throw new Error('dnsmasq is missing: install the Debian package "dnsmasq" (apt-get install dnsmasq)');
  }
  return startOnFreePort('dnsmasq', async (port) => {
    const child = spawn(
      '/usr/sbin/dnsmasq',
      [
        '--no-daemon',
        `--port=${port}`,
        '--listen-address=127.0.0.1',
        '--bind-interfaces',
        '--no-resolv',
        '--no-hosts',
        '--conf-file=/dev/null',
        '--pid-file=',
        '--user=root',
        '--address=/example.test/10.1.2.3',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    after(() => {
      if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, 'SIGTERM');
    });
    // "started" comes after its UDP and TCP sockets are bound; a port taken meanwhile ends it.
    await announced(child, 'stderr', /started/, 'dnsmasq');
    return { child, port };
  });
}

export const SIZE = 16;

/** A datagram carrying its sequence number. */
export const numbered = (sequence: number) => {
  const data = Buffer.alloc(SIZE);
  data.writeUInt32BE(sequence, 0);
  return data;
};

/**
 * Sends `count` numbered datagrams through the proxy in batches of 100; after each batch, waits
 * until the proxy has read every one and the server has every one the proxy sent on, so no
 * socket buffer overflows and nothing the test counts is lost outside the toxics.
 */
export async function sendThrough(
  harness: Harness,
  name: string,
  count: number,
  sink: { received: Buffer[] },
) {
  const proxy = harness.engine.get(name) as UdpProxy;
  const port = Number(proxy.listen.split(':').pop());
  const client = await udpClient();
  for (let sent = 0; sent < count;) {
    const batch = Math.min(100, count - sent);
    for (let i = 0; i < batch; i++) client.send(numbered(sent + i), port);
    sent += batch;
    await waitFor(() => {
      const { bytes } = proxy.stats();
      return bytes.upstream.received === sent * SIZE && sink.received.length * SIZE === bytes.upstream.sent;
    }, `datagrams up to ${sent} to settle`);
  }
  return sink.received.map((data) => data.readUInt32BE(0));
}

/** Runs of consecutive lost sequence numbers, as lengths. */
export function lossBursts(received: number[], count: number): number[] {
  const arrived = new Set(received);
  const bursts: number[] = [];
  let run = 0;
  for (let sequence = 0; sequence < count; sequence++) {
    if (!arrived.has(sequence)) run += 1;
    else if (run > 0) {
      bursts.push(run);
      run = 0;
    }
  }
  if (run > 0) bursts.push(run);
  return bursts;
}
