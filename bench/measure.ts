import { spawn } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import { percentile as percentileOf } from '../src/model/percentile.js';

/** Upstreams in the benchmark process: a sink that counts bytes, and a 1-byte echo. */
export async function startUpstreams() {
  let received = 0;
  let onReceived: (() => void) | undefined;
  let echoedAt = Number.NaN;
  const sink = net.createServer({ noDelay: true }, (socket) => {
    socket.on('data', (chunk) => {
      received += chunk.length;
      onReceived?.();
    });
    socket.on('error', () => undefined);
  });
  const echo = net.createServer({ noDelay: true }, (socket) => {
    socket.on('data', (chunk) => {
      echoedAt = performance.now();
      socket.write(chunk);
    });
    socket.on('error', () => undefined);
  });
  const idle = net.createServer((socket) => socket.on('error', () => undefined));
  for (const server of [sink, echo, idle]) {
    server.maxConnections = 20_000;
    server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 });
    await once(server, 'listening');
  }
  const port = (server: net.Server) => (server.address() as net.AddressInfo).port;
  return {
    sinkPort: port(sink),
    echoPort: port(echo),
    idlePort: port(idle),
    /** When the echo last wrote back what it read (performance.now()). */
    echoedAt: () => echoedAt,
    /** Resolves when the sink has received `bytes` more bytes. */
    sinkReceives(bytes: number): Promise<void> {
      const target = received + bytes;
      return new Promise((resolve) => {
        onReceived = () => {
          if (received >= target) {
            onReceived = undefined;
            resolve();
          }
        };
      });
    },
    close() {
      for (const server of [sink, echo, idle]) server.close();
    },
  };
}

export type Upstreams = Awaited<ReturnType<typeof startUpstreams>>;

async function open(port: number): Promise<net.Socket> {
  const socket = net.connect({ port, host: '127.0.0.1', noDelay: true });
  await once(socket, 'connect');
  return socket;
}

/** Writes `bytes` in 64 KiB writes and returns MB/s (10^6 bytes) until the sink has them all. */
export async function throughput(port: number, upstreams: Upstreams, bytes: number): Promise<number> {
  const socket = await open(port);
  const block = Buffer.alloc(64 * 1024, 0x5a);
  const done = upstreams.sinkReceives(bytes);
  const started = performance.now();
  let sent = 0;
  while (sent < bytes) {
    const piece = sent + block.length <= bytes ? block : block.subarray(0, bytes - sent);
    sent += piece.length;
    if (!socket.write(piece)) await once(socket, 'drain');
  }
  await done;
  const seconds = (performance.now() - started) / 1000;
  socket.destroy();
  return bytes / seconds / 1e6;
}

/** 1-byte ping-pong round trips in microseconds, sorted. */
export async function roundTrips(port: number, count: number, warmup = 500): Promise<number[]> {
  const socket = await open(port);
  const byte = Buffer.from([1]);
  const samples: number[] = [];
  let pending: (() => void) | undefined;
  socket.on('data', () => pending?.());
  for (let i = 0; i < warmup + count; i++) {
    const started = performance.now();
    await new Promise<void>((resolve) => {
      pending = resolve;
      socket.write(byte);
    });
    if (i >= warmup) samples.push((performance.now() - started) * 1000);
  }
  socket.destroy();
  return samples.sort((a, b) => a - b);
}

/**
 * 1-byte round trips started `gapMs` apart (each waits for the previous reply, then for the
 * gap): the pattern of a test that sends a request now and then through a latency toxic, where
 * the proxy's event loop has gone idle between requests. `total` is each round trip; `back` the
 * part from the echo's write to the reply reaching the client, the leg a downstream toxic delays.
 * Milliseconds, each list sorted. One trip goes first and is returned apart as `first`: on a
 * fresh server it pays for code the proxy runs for the first time.
 */
export async function spacedRoundTrips(
  port: number,
  count: number,
  gapMs: number,
  upstreams: Upstreams,
): Promise<{ total: number[]; back: number[]; first: number }> {
  const socket = await open(port);
  const byte = Buffer.from([1]);
  const total: number[] = [];
  const back: number[] = [];
  let pending: (() => void) | undefined;
  socket.on('data', () => pending?.());
  for (let i = 0; i <= count; i++) {
    await new Promise((resolve) => setTimeout(resolve, gapMs));
    const started = performance.now();
    await new Promise<void>((resolve) => {
      pending = resolve;
      socket.write(byte);
    });
    const ended = performance.now();
    total.push(ended - started);
    back.push(ended - upstreams.echoedAt());
  }
  socket.destroy();
  const first = total.shift()!;
  back.shift();
  const ascending = (a: number, b: number) => a - b;
  return { total: total.sort(ascending), back: back.sort(ascending), first };
}

/**
 * How long this machine takes to hand a process data that another process wrote, when the
 * reader has slept `idleMs` before it (milliseconds, sorted). A client that waits 100 ms for a
 * delayed reply pays this on every round trip through a latency toxic, whatever the proxy does:
 * a virtual CPU left idle that long is woken slower than one idle for a fraction of a millisecond.
 */
export async function wakeAfterIdle(idleMs: number, count: number): Promise<number[]> {
  // The peer waits idleMs after each request, then writes the monotonic time it wrote at.
  const peerSource = `
    const net = require('node:net');
    const server = net.createServer({ noDelay: true }, (socket) => socket.on('data', () => {
      const reply = () => socket.write(process.hrtime.bigint().toString() + '\\n');
      ${idleMs > 0 ? `setTimeout(reply, ${idleMs})` : 'reply()'};
    }));
    server.listen(0, '127.0.0.1', () => process.stdout.write(server.address().port + '\\n'));
    process.stdin.on('end', () => process.exit(0)).resume();`;
  const peer = spawn(process.execPath, ['-e', peerSource], { stdio: ['pipe', 'pipe', 'inherit'] });
  try {
    const [line] = (await once(peer.stdout, 'data')) as [Buffer];
    const socket = await open(Number(String(line).trim()));
    const samples: number[] = [];
    let pending: ((reply: string) => void) | undefined;
    socket.setEncoding('utf8');
    socket.on('data', (reply: string) => pending?.(reply));
    for (let i = 0; i < count; i++) {
      const reply = await new Promise<string>((resolve) => {
        pending = resolve;
        socket.write('?');
      });
      samples.push(Number(process.hrtime.bigint() - BigInt(reply.trim())) / 1e6);
    }
    socket.destroy();
    return samples.sort((a, b) => a - b);
  } finally {
    peer.stdin.end();
    if (peer.exitCode === null) await once(peer, 'exit');
  }
}

export function percentile(sorted: readonly number[], p: number): number {
  return percentileOf(sorted, p) ?? Number.NaN;
}

export function median(values: readonly number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
}

/** Opens `count` connections and keeps them idle; returns a closer. */
export async function idleConnections(port: number, count: number): Promise<() => void> {
  const sockets: net.Socket[] = [];
  for (let i = 0; i < count; i += 200) {
    const batch = await Promise.all(Array.from({ length: Math.min(200, count - i) }, () => open(port)));
    sockets.push(...batch);
  }
  return () => {
    for (const socket of sockets) socket.destroy();
  };
}

/**
 * How long this machine takes the CPU away from a process that never sleeps: a busy loop reads
 * the clock for `ms` and records its longest gap. On a virtual machine this is the hypervisor's
 * share, and no timer in any proxy can be more punctual than it.
 */
export function machineStalls(ms: number): { longestMs: number; overOneMs: number } {
  const end = performance.now() + ms;
  let last = performance.now();
  let longestMs = 0;
  let overOneMs = 0;
  for (let now = last; now < end; now = performance.now()) {
    const gap = now - last;
    if (gap > longestMs) longestMs = gap;
    if (gap > 1) overOneMs += 1;
    last = now;
  }
  return { longestMs, overOneMs };
}
