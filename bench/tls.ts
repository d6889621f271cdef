import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import tls from 'node:tls';
import { openLocalCa } from '../src/system/local-ca.js';
import { median } from './measure.js';
import { cpuMilliseconds, startFaultline } from './servers.js';

/**
 * TLS through a terminating proxy against a direct TLS connection to a TLS server in this
 * process: sequential handshakes per second, and bulk throughput (the proxy decrypts and sends
 * plain bytes to the benchmark's sink). Bounded: HANDSHAKES per round, BULK_BYTES per round,
 * ROUNDS rounds each after one warm-up round of bulk.
 */
const HANDSHAKES = 300;
const BULK_BYTES = 256 * 1024 * 1024;
const ROUNDS = Number(process.env.TLS_ROUNDS ?? 7);

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
  pid: number;
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
  return { port, pid: child.pid!, received: async () => void (await nextLine()), stop: () => child.kill() };
}

/**
 * Both paths end in a sink of their own process, so the client's process only encrypts: direct
 * to a TLS sink, or through the terminating proxy to a plain sink. Both use the same client,
 * certificate, cipher (Node's default, TLS 1.3 AES-256-GCM) and 16 KiB records, in the same
 * direction. The CPU row is CPU milliseconds per MiB of each process on the path, from /proc:
 * steadier than MB/s on a shared machine.
 */
export async function benchTls(serverUrl: string, serverPid: number): Promise<TlsBenchResult> {
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
    const rounds = { direct: [] as BulkRound[], proxy: [] as BulkRound[] };
    // A warm-up of each path first, as the TCP bulk bench takes: the direct path's JavaScript
    // (client and TLS sink) speeds up from about 700 to 1,800 MB/s over its first rounds.
    await bulk(direct.port, ca.certificatePem, direct.received, [direct.pid]);
    await bulk(proxyPort, ca.certificatePem, plain.received, [serverPid, plain.pid]);
    for (let round = 0; round < ROUNDS; round++) {
      handshakes.direct.push(await handshakeRate(direct.port, ca.certificatePem));
      handshakes.proxy.push(await handshakeRate(proxyPort, ca.certificatePem));
      // Turn about, so neither path always runs first on a machine whose load changes.
      const paths = [
        async () =>
          rounds.direct.push(await bulk(direct.port, ca.certificatePem, direct.received, [direct.pid])),
        async () =>
          rounds.proxy.push(await bulk(proxyPort, ca.certificatePem, plain.received, [serverPid, plain.pid])),
      ];
      for (const path of round % 2 === 0 ? paths : paths.reverse()) await path();
    }
    const rates = { direct: rounds.direct.map((r) => r.rate), proxy: rounds.proxy.map((r) => r.rate) };
    const ratios = rates.proxy.map((rate, round) => rate / rates.direct[round]!);
    const ratio = median(ratios);
    const cpu = (path: BulkRound[], index: number) => fixed(median(path.map((r) => r.cpu[index]!)), 2);
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
          `TLS bulk MB/s (${ROUNDS} rounds of ${BULK_BYTES / 2 ** 20} MiB after a warm-up round)`,
          fixed(median(rates.direct)),
          fixed(median(rates.proxy)),
          `${fixed(ratio, 2)} (rounds ${ratios.map((each) => fixed(each, 2)).join(', ')})`,
        ],
        [
          'TLS bulk CPU ms per MiB: client / TLS end (sink or proxy) / plain sink',
          `${cpu(rounds.direct, 0)} / ${cpu(rounds.direct, 1)} / —`,
          `${cpu(rounds.proxy, 0)} / ${cpu(rounds.proxy, 1)} / ${cpu(rounds.proxy, 2)}`,
          '—',
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

interface BulkRound {
  /** MB/s, wall clock. */
  rate: number;
  /** CPU milliseconds per MiB: this (client) process, then each of `pids`. */
  cpu: number[];
}

async function bulk(
  port: number,
  ca: string,
  received: () => Promise<void>,
  pids: readonly number[],
): Promise<BulkRound> {
  const socket = tls.connect({ host: '127.0.0.1', port, ca });
  await once(socket, 'secureConnect');
  const block = Buffer.alloc(64 * 1024, 0x5a);
  const done = received();
  const cpuBefore = [ownCpuMilliseconds(), ...pids.map(cpuMilliseconds)];
  const started = performance.now();
  for (let sent = 0; sent < BULK_BYTES; sent += block.length) {
    if (!socket.write(block)) await once(socket, 'drain');
  }
  await done;
  const seconds = (performance.now() - started) / 1000;
  const cpuAfter = [ownCpuMilliseconds(), ...pids.map(cpuMilliseconds)];
  socket.destroy();
  const mebibytes = BULK_BYTES / 2 ** 20;
  return {
    rate: BULK_BYTES / seconds / 1e6,
    cpu: cpuAfter.map((after, index) => (after - cpuBefore[index]!) / mebibytes),
  };
}

function ownCpuMilliseconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const deadline = setTimeout(() => {
    console.error('bench tls: gave up after 3 minutes');
    process.exit(1);
  }, 180_000);
  const server = await startFaultline('faultline');
  try {
    const result = await benchTls(server.url, server.pid);
    console.log(
      '| TLS (terminating proxy) | direct TLS | faultline | faultline / direct |\n|---|---|---|---|',
    );
    for (const cells of result.rows) console.log(`| ${cells.join(' | ')} |`);
  } finally {
    server.stop();
    clearTimeout(deadline);
  }
}
