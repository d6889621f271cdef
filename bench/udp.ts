import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import { once } from 'node:events';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { median } from './measure.js';
import { cpuMilliseconds, type ProxyServer, startFaultline } from './servers.js';

/**
 * UDP datagrams per second through a udp proxy with no toxics, against the echo server
 * directly: a closed loop keeps WINDOW 64-byte datagrams in flight and counts echoes for at most
 * DATAGRAMS or SECONDS. The two paths take turns for ROUNDS rounds (which goes first alternates),
 * each round is printed, and the ratio judged is the median of the rounds' ratios: on two shared
 * CPUs one busy moment moved a single pair from 0.39 to 0.67. Then datagrams are sent through the
 * proxy at half the median direct rate, paced, and every one must come back. The proxy, the echo
 * server and the client each run in a process of their own. Every loop is bounded in count and
 * time.
 */
const DATAGRAMS = 150_000;
const SECONDS = 2;
const ROUNDS = Number(process.env.UDP_ROUNDS ?? 3);
const WINDOW = 1024;
const PACED_SECONDS = 2;
const SIZE = 64;

interface Echo {
  port: number;
  close(): void;
}

/** As the proxy asks for its sockets, so the baseline and the client are not the first to overflow. */
const RECEIVE_BUFFER_BYTES = 4 * 1024 * 1024;

/** The echo server in a process of its own, so the direct baseline is not one process doing both ends. */
async function startEcho(): Promise<Echo> {
  const code = `
    const dgram = require('node:dgram');
    const socket = dgram.createSocket({ type: 'udp4', recvBufferSize: ${RECEIVE_BUFFER_BYTES} });
    socket.on('message', (data, from) => socket.send(data, from.port, from.address));
    socket.bind(0, '127.0.0.1', () => console.log(socket.address().port));
  `;
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [chunk] = (await once(child.stdout!, 'data')) as [Buffer];
  return { port: Number(chunk.toString().trim()), close: () => process.kill(child.pid!, 'SIGTERM') };
}

async function client() {
  const socket = dgram.createSocket({ type: 'udp4', recvBufferSize: RECEIVE_BUFFER_BYTES });
  socket.bind(0, '127.0.0.1');
  await once(socket, 'listening');
  return socket;
}

/** Echoes per second with WINDOW datagrams in flight; a window lost for 100 ms is sent again. */
async function closedLoopRate(port: number): Promise<{ rate: number; lost: number; received: number }> {
  const socket = await client();
  const payload = Buffer.alloc(SIZE, 7);
  let sent = 0;
  let received = 0;
  let lost = 0;
  const send = () => {
    sent += 1;
    socket.send(payload, port, '127.0.0.1');
  };
  const started = performance.now();
  const stopAt = started + SECONDS * 1000;
  const result = await new Promise<number>((resolve) => {
    let lastSeen = 0;
    const finish = () => {
      clearInterval(watchdog);
      resolve(performance.now() - started);
    };
    const watchdog = setInterval(() => {
      if (performance.now() > stopAt) return finish();
      if (received === lastSeen) {
        lost += sent - received - lost;
        for (let i = 0; i < WINDOW; i++) send();
      }
      lastSeen = received;
    }, 100);
    socket.on('message', () => {
      received += 1;
      if (received >= DATAGRAMS || performance.now() > stopAt) finish();
      else if (sent < DATAGRAMS + WINDOW) send();
    });
    for (let i = 0; i < WINDOW; i++) send();
  });
  socket.close();
  return { rate: (received * 1000) / result, lost, received };
}

/** Sends `rate` datagrams per second for PACED_SECONDS, then counts how many never came back. */
async function pacedLoss(port: number, rate: number): Promise<{ sent: number; lost: number }> {
  const socket = await client();
  const payload = Buffer.alloc(SIZE, 9);
  let received = 0;
  socket.on('message', () => {
    received += 1;
  });
  const total = Math.floor(rate * PACED_SECONDS);
  let sent = 0;
  const started = performance.now();
  await new Promise<void>((resolve) => {
    const tick = setInterval(() => {
      const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * rate));
      while (sent < due) {
        socket.send(payload, port, '127.0.0.1');
        sent += 1;
      }
      if (sent >= total) {
        clearInterval(tick);
        resolve();
      }
    }, 1);
  });
  for (let wait = 0; wait < 100 && received < sent; wait++)
    await new Promise((resolve) => setTimeout(resolve, 10));
  socket.close();
  return { sent, lost: sent - received };
}

async function createUdpProxy(server: ProxyServer, upstreamPort: number): Promise<number> {
  const response = await fetch(`${server.url}/proxies`, {
    method: 'POST',
    body: JSON.stringify({
      name: 'udp_bench',
      listen: '127.0.0.1:0',
      upstream: `127.0.0.1:${upstreamPort}`,
      protocol: 'udp',
    }),
  });
  const proxy = (await response.json()) as { listen: string };
  if (response.status !== 201)
    throw new Error(`create udp proxy: ${response.status} ${JSON.stringify(proxy)}`);
  return Number(proxy.listen.split(':').pop());
}

export interface UdpBench {
  rows: string[][];
  met: boolean;
  detail: string;
}

export async function benchUdp(onRound: (line: string) => void = () => undefined): Promise<UdpBench> {
  const echo = await startEcho();
  const server = await startFaultline('faultline (udp)');
  try {
    const port = await createUdpProxy(server, echo.port);
    const rounds: Array<{ direct: number; proxied: number; cpuPerDatagram: number }> = [];
    for (let round = 0; round < ROUNDS; round++) {
      let direct = 0;
      let proxied = 0;
      let cpuPerDatagram = 0;
      const paths = [
        async () => {
          direct = (await closedLoopRate(echo.port)).rate;
        },
        async () => {
          const cpuBefore = cpuMilliseconds(server.pid);
          const result = await closedLoopRate(port);
          proxied = result.rate;
          // Each echoed datagram crosses the proxy twice: the request and its reply.
          cpuPerDatagram = ((cpuMilliseconds(server.pid) - cpuBefore) * 1000) / result.received;
        },
      ];
      for (const path of round % 2 === 0 ? paths : paths.reverse()) await path();
      rounds.push({ direct, proxied, cpuPerDatagram });
      onRound(
        `udp round ${round + 1}: direct ${direct.toFixed(0)}/s, through the proxy ${proxied.toFixed(0)}/s ` +
          `(${(proxied / direct).toFixed(2)}), proxy CPU ${cpuPerDatagram.toFixed(1)} µs per echo (load ${loadavg()[0]!.toFixed(2)})`,
      );
    }
    const direct = median(rounds.map((round) => round.direct));
    const proxied = median(rounds.map((round) => round.proxied));
    const ratio = median(rounds.map((round) => round.proxied / round.direct));
    const cpuPerDatagram = median(rounds.map((round) => round.cpuPerDatagram));
    const paced = await pacedLoss(port, Math.floor(direct / 2));
    const ratios = rounds.map((round) => (round.proxied / round.direct).toFixed(2)).join(', ');
    const rows = [
      [
        `UDP echo, ${WINDOW} × ${SIZE}-byte datagrams in flight: direct (median of ${ROUNDS} rounds)`,
        `${direct.toFixed(0)} datagrams/s`,
        '—',
      ],
      [
        'UDP echo through a udp proxy, no toxics',
        `${proxied.toFixed(0)} datagrams/s (${ratio.toFixed(2)} of direct; rounds ${ratios})`,
        'at least 0.5 of direct',
      ],
      ['proxy CPU per echoed datagram (request and reply)', `${cpuPerDatagram.toFixed(1)} µs`, '—'],
      [
        `through the proxy at half the direct rate for ${PACED_SECONDS} s`,
        `${paced.lost} of ${paced.sent} lost`,
        'none lost',
      ],
    ];
    return {
      rows,
      met: ratio >= 0.5 && paced.lost === 0,
      detail: `${ratio.toFixed(2)} of direct (at least 0.5; rounds ${ratios}); ${paced.lost} of ${paced.sent} lost at half the direct rate (none)`,
    };
  } finally {
    server.stop();
    echo.close();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const deadline = setTimeout(() => {
    console.error('bench udp: gave up after 2 minutes');
    process.exit(1);
  }, 120_000);
  const result = await benchUdp((line) => console.log(line));
  console.log('| UDP | measured | target |\n|---|---|---|');
  for (const cells of result.rows) console.log(`| ${cells.join(' | ')} |`);
  console.log(`\n${result.met ? 'ok    ' : 'MISSED'} udp: ${result.detail}`);
  clearTimeout(deadline);
}
