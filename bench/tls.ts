import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import tls from 'node:tls';
import { openLocalCa } from '../src/system/local-ca.js';
import { median } from './measure.js';

/**
 * TLS through a terminating proxy against a direct TLS connection to a TLS server in this
 * process: sequential handshakes per second, and bulk throughput (the proxy decrypts and sends
 * plain bytes to the benchmark's sink). Bounded: HANDSHAKES per round, BULK_BYTES per round,
 * ROUNDS rounds each.
 */
const HANDSHAKES = 300;
const BULK_BYTES = 64 * 1024 * 1024;
const ROUNDS = 3;

/**
 * A sink in its own process, TLS when CERT is set, plain otherwise: prints its port, then a line
 * each time one connection has brought BYTES bytes.
 */
const SINK = `
import net from 'node:net';
import tls from 'node:tls';
const target = Number(process.env.BYTES);
const onSocket = (socket) => {
  let received = 0;
  socket.on('error', () => {});
  socket.on('data', (chunk) => {
    received += chunk.length;
    if (received >= target && received - chunk.length < target) process.stdout.write('done\\n');
  });
};
const server = process.env.CERT
  ? tls.createServer({ cert: process.env.CERT, key: process.env.KEY }, onSocket)
  : net.createServer(onSocket);
server.listen(0, '127.0.0.1', () => process.stdout.write(server.address().port + '\\n'));
`;

export interface TlsBenchResult {
  rows: string[][];
  throughputRatio: number;
}

interface Sink {
  port: number;
  /** Resolves when one connection has brought BULK_BYTES. */
  received(): Promise<void>;
  stop(): void;
}

async function startSink(tlsPair?: { cert: string; key: string }): Promise<Sink> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', SINK], {
    env: {
      ...process.env,
      ...(tlsPair ? { CERT: tlsPair.cert, KEY: tlsPair.key } : {}),
      BYTES: String(BULK_BYTES),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout! });
  const nextLine = () => once(lines, 'line').then(([line]) => String(line));
  const port = Number(await nextLine());
  return { port, received: async () => void (await nextLine()), stop: () => child.kill() };
}

/**
 * Both paths end in a sink of their own process, so the client's process only encrypts: direct
 * to a TLS sink, or through the terminating proxy to a plain sink.
 */
export async function benchTls(serverUrl: string): Promise<TlsBenchResult> {
  const home = mkdtempSync(join(tmpdir(), 'faultline-bench-tls-'));
  const ca = await openLocalCa(join(home, 'ca'));
  const pair = await ca.issue(['127.0.0.1']);
  const direct = await startSink(pair);
  const plain = await startSink();

  const created = await fetch(`${serverUrl}/proxies`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      name: 'tls_bench',
      listen: '127.0.0.1:0',
      upstream: `127.0.0.1:${plain.port}`,
      tls: pair,
    }),
  });
  if (created.status !== 201)
    throw new Error(`tls bench: creating the proxy failed: ${await created.text()}`);
  const proxyPort = Number(((await created.json()) as { listen: string }).listen.split(':').pop());

  try {
    const handshakes = { direct: [] as number[], proxy: [] as number[] };
    const rates = { direct: [] as number[], proxy: [] as number[] };
    for (let round = 0; round < ROUNDS; round++) {
      handshakes.direct.push(await handshakeRate(direct.port, ca.certificatePem));
      handshakes.proxy.push(await handshakeRate(proxyPort, ca.certificatePem));
      rates.direct.push(await bulk(direct.port, ca.certificatePem, direct.received));
      rates.proxy.push(await bulk(proxyPort, ca.certificatePem, plain.received));
    }
    const ratio = median(rates.proxy.map((rate, round) => rate / rates.direct[round]!));
    return {
      throughputRatio: ratio,
      rows: [
        [
          'TLS handshakes/s, sequential',
          fixed(median(handshakes.direct)),
          fixed(median(handshakes.proxy)),
          fixed(median(handshakes.proxy) / median(handshakes.direct), 2),
        ],
        [
          `TLS bulk MB/s (${BULK_BYTES / 2 ** 20} MiB)`,
          fixed(median(rates.direct)),
          fixed(median(rates.proxy)),
          fixed(ratio, 2),
        ],
      ],
    };
  } finally {
    await fetch(`${serverUrl}/proxies/tls_bench`, { method: 'DELETE' });
    direct.stop();
    plain.stop();
    rmSync(home, { recursive: true, force: true });
  }
}

function fixed(value: number, digits = 0): string {
  return value.toFixed(digits);
}

async function handshakeRate(port: number, ca: string): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < HANDSHAKES; i++) {
    const socket = tls.connect({ host: '127.0.0.1', port, ca });
    await once(socket, 'secureConnect');
    socket.destroy();
  }
  return HANDSHAKES / ((performance.now() - started) / 1000);
}

async function bulk(port: number, ca: string, received: () => Promise<void>): Promise<number> {
  const socket = tls.connect({ host: '127.0.0.1', port, ca });
  await once(socket, 'secureConnect');
  const block = Buffer.alloc(64 * 1024, 0x5a);
  const done = received();
  const started = performance.now();
  for (let sent = 0; sent < BULK_BYTES; sent += block.length) {
    if (!socket.write(block)) await once(socket, 'drain');
  }
  await done;
  const seconds = (performance.now() - started) / 1000;
  socket.destroy();
  return BULK_BYTES / seconds / 1e6;
}
