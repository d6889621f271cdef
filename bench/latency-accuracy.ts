import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { machineStalls, median, percentile, spacedRoundTrips, startUpstreams } from './measure.js';
import { cpuMilliseconds } from './servers.js';

/**
 * The latency toxic's accuracy alone, for comparing builds turn about in the same minutes:
 * `node dist/bench/latency-accuracy.js [ROUNDS] [CLI...]` starts a fresh server of each CLI
 * (default: this build's), puts a 100 ms latency toxic on a proxy to a 1-byte echo, and times
 * 100 round trips 20 ms apart; the CLIs take turns round by round. It prints each round's
 * p50 / p99, the server's CPU per round trip, the medians, and the machine's own stall figure.
 */
const rounds = Number(process.argv[2] ?? 3);
const clis = process.argv.slice(3);
if (clis.length === 0) clis.push(fileURLToPath(new URL('../src/cli/main.js', import.meta.url)));

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
}));
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
      const bare = await spacedRoundTrips(port, TRIPS, GAP_MS);
      results[index]!.bare.push(percentile(bare, 50));
      await post(`${url}/proxies/latency/toxics`, {
        type: 'latency',
        stream: 'downstream',
        attributes: { latency: 100 },
      });
      const before = cpuMilliseconds(child.pid!);
      const trips = await spacedRoundTrips(port, TRIPS, GAP_MS);
      const cpu = (cpuMilliseconds(child.pid!) - before) / TRIPS;
      const p50 = percentile(trips, 50);
      const p99 = percentile(trips, 99);
      results[index]!.p50.push(p50);
      results[index]!.p99.push(p99);
      results[index]!.cpu.push(cpu);
      console.log(
        `round ${round + 1} ${cli}: no toxic p50 ${percentile(bare, 50).toFixed(2)}; toxic p50 ${p50.toFixed(2)} p99 ${p99.toFixed(2)} max ${trips.at(-1)!.toFixed(2)} ms, ` +
          `server CPU ${cpu.toFixed(2)} ms per trip (load ${loadavg()[0]!.toFixed(2)})`,
      );
    } finally {
      child.kill('SIGTERM');
      if (child.exitCode === null) await once(child, 'exit');
    }
  }
}
upstreams.close();
for (const [index, cli] of clis.entries()) {
  const { p50, p99, cpu, bare } = results[index]!;
  console.log(
    `median ${cli}: no toxic p50 ${median(bare).toFixed(2)}; toxic p50 ${median(p50).toFixed(2)} p99 ${median(p99).toFixed(2)} ms, CPU ${median(cpu).toFixed(2)} ms per trip`,
  );
}
const stalls = machineStalls(3000);
console.log(
  `this machine stalls a busy loop (3 s): longest ${stalls.longestMs.toFixed(2)} ms, ${stalls.overOneMs} over 1 ms; ` +
    `${cpus().length} CPUs, load ${loadavg()
      .map((value) => value.toFixed(2))
      .join(' ')}`,
);
