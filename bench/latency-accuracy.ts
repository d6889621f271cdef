import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { cpus, loadavg } from 'node:os';
import {
  machineStalls,
  median,
  percentile,
  spacedRoundTrips,
  startUpstreams,
  wakeAfterIdle,
} from './measure.js';
import { cpuMilliseconds, faultlineBin } from './servers.js';

/**
 * The latency toxic's accuracy alone, for comparing builds turn about in the same minutes:
 * `node dist/bench/latency-accuracy.js [ROUNDS] [CLI...]` starts a fresh server of each CLI
 * (default: this build's), puts a 100 ms latency toxic on a proxy to a 1-byte echo, and times
 * 100 round trips 20 ms apart; the CLIs take turns round by round. It prints each round's
 * p50 / p99, the leg the toxic delays (echo to client) beside the same leg without the toxic,
 * the server's CPU per round trip, the medians, and the machine's own figures: how long it
 * stalls a busy loop, and how long it takes to wake a process idle for 100 ms.
 */
const rounds = Number(process.argv[2] ?? 3);
const clis = process.argv.slice(3);
if (clis.length === 0) clis.push(faultlineBin);

const TRIPS = 100;
const GAP_MS = 20;

async function startServer(cli: string) {
  const child = spawn(process.execPath, [cli, 'server', '--port', '0', '--log-level', 'warn'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
      const match = /listening on (http:\/\/\S+)/.exec(stderr);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`server exited ${code}: ${stderr}`)));
  });
  return { child, url };
}

async function post(url: string, body: object): Promise<Record<string, unknown>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const answer = (await response.json()) as Record<string, unknown>;
  if (!response.ok) throw new Error(`${url} answered ${response.status}: ${JSON.stringify(answer)}`);
  return answer;
}

const upstreams = await startUpstreams();
const results = clis.map(() => ({
  p50: [] as number[],
  p99: [] as number[],
  cpu: [] as number[],
  bare: [] as number[],
  backOver: [] as number[],
  bareBack: [] as number[],
}));
const ms = (value: number) => value.toFixed(2);
for (let round = 0; round < rounds; round++) {
  for (const [index, cli] of clis.entries()) {
    const { child, url } = await startServer(cli);
    try {
      const proxy = await post(`${url}/proxies`, {
        name: 'latency',
        listen: '127.0.0.1:0',
        upstream: `127.0.0.1:${upstreams.echoPort}`,
      });
      const port = Number(String(proxy.listen).split(':').at(-1));
      // The floor: the same spaced round trips through the same proxy without the toxic.
      const bare = await spacedRoundTrips(port, TRIPS, GAP_MS, upstreams);
      await post(`${url}/proxies/latency/toxics`, {
        type: 'latency',
        stream: 'downstream',
        attributes: { latency: 100 },
      });
      const before = cpuMilliseconds(child.pid!);
      const trips = await spacedRoundTrips(port, TRIPS, GAP_MS, upstreams);
      const cpu = (cpuMilliseconds(child.pid!) - before) / (TRIPS + 1);
      const result = results[index]!;
      const p50 = percentile(trips.total, 50);
      const p99 = percentile(trips.total, 99);
      const backOver = percentile(trips.back, 50) - 100;
      const bareBack = percentile(bare.back, 50);
      result.bare.push(percentile(bare.total, 50));
      result.p50.push(p50);
      result.p99.push(p99);
      result.cpu.push(cpu);
      result.backOver.push(backOver);
      result.bareBack.push(bareBack);
      console.log(
        `round ${round + 1} ${cli}: no toxic p50 ${ms(percentile(bare.total, 50))}; toxic p50 ${ms(p50)} p99 ${ms(p99)} max ${ms(trips.total.at(-1)!)} ms; ` +
          `echo to client p50: ${ms(backOver)} over 100 ms, ${ms(bareBack)} without the toxic; ` +
          `server CPU ${ms(cpu)} ms per trip (load ${loadavg()[0]!.toFixed(2)})`,
      );
    } finally {
      child.kill('SIGTERM');
      if (child.exitCode === null) await once(child, 'exit');
    }
  }
}
upstreams.close();
for (const [index, cli] of clis.entries()) {
  const { p50, p99, cpu, bare, backOver, bareBack } = results[index]!;
  console.log(
    `median ${cli}: no toxic p50 ${ms(median(bare))}; toxic p50 ${ms(median(p50))} p99 ${ms(median(p99))} ms; ` +
      `echo to client ${ms(median(backOver))} over 100 ms, ${ms(median(bareBack))} without; CPU ${ms(median(cpu))} ms per trip`,
  );
}
const stalls = machineStalls(3000);
const wakeLong = await wakeAfterIdle(100, 50);
const wakeShort = await wakeAfterIdle(0, 50);
console.log(
  `this machine stalls a busy loop (3 s): longest ${ms(stalls.longestMs)} ms, ${stalls.overOneMs} over 1 ms; ` +
    `it hands a process idle for 100 ms another's write in ${ms(percentile(wakeLong, 50))} ms p50 / ${ms(percentile(wakeLong, 99))} p99, ` +
    `one idle for none in ${ms(percentile(wakeShort, 50))} / ${ms(percentile(wakeShort, 99))}; ` +
    `${cpus().length} CPUs, load ${loadavg()
      .map((value) => value.toFixed(2))
      .join(' ')}`,
);
