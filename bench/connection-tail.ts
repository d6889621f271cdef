import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { loadavg } from 'node:os';
import { PerformanceObserver } from 'node:perf_hooks';
import type { Readable } from 'node:stream';
import { median, percentile, startUpstreams } from './measure.js';
import { cpuMilliseconds, faultlineBin } from './servers.js';
import { timedConnections } from './connection-rate.js';
import { nodePipeSource } from './node-pipe.js';
import { startHaproxy } from './haproxy.js';

/**
 * Where the tail of short connections comes from, for comparing builds turn about in the same
 * minutes: `node dist/bench/connection-tail.js [ROUNDS] [CLI...]` starts a server of each CLI
 * (default: this build's; a CLI may carry server options after a space, as in
 * 'dist/src/cli/main.js --busy-poll-us 0'), a plain Node pipe and, where it is installed, HAProxy (each
 * row's rate is also given as a median of its rounds' ratios to HAProxy's), and runs ROUNDS (default 5) of 2,000 sequential
 * connect, 1-byte echo, close through each, the targets taking turns. Every server process
 * reports its garbage collections (a PerformanceObserver loaded with --import), so beside the
 * rate, p99 and CPU per connection it prints scavenges per 1,000 connections, their pauses, and
 * which connections make the slowest 1%: those a scavenge of the proxy overlapped, those a
 * collection of this process (client and echo) overlapped, and the first of a round.
 */
const rounds = Number(process.argv[2] ?? 5);
const clis = process.argv.slice(3);
if (clis.length === 0) clis.push(faultlineBin);
if (!(Number.isInteger(rounds) && rounds >= 1 && rounds <= 50)) {
  console.error(`connection-tail: ROUNDS must be a whole number from 1 to 50, not ${process.argv[2]}`);
  process.exit(2);
}
const PER_ROUND = 2000;

/** [start in epoch ms, duration ms, kind]; kind 1 is a scavenge (perf_hooks NODE_PERFORMANCE_GC_MINOR). */
type Collection = [number, number, number];

// Loaded into each server: keeps its collections and writes them to fd 3 on SIGUSR2.
const observer = `
import { PerformanceObserver, performance } from 'node:perf_hooks';
import { writeSync } from 'node:fs';
const seen = [];
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) seen.push([performance.timeOrigin + entry.startTime, entry.duration, entry.detail.kind]);
}).observe({ entryTypes: ['gc'] });
process.on('SIGUSR2', () => writeSync(3, JSON.stringify(seen) + '\\n'));
`;
const observed = ['--import', `data:text/javascript,${encodeURIComponent(observer)}`];

interface Target {
  label: string;
  /** A Node process that reports its collections; HAProxy has none to report. */
  child: ChildProcess | undefined;
  pid: number;
  port: number;
}

async function spawned(args: string[]): Promise<{ child: ChildProcess; stderr: () => string }> {
  const child = spawn(process.execPath, [...observed, ...args], {
    stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  return { child, stderr: () => stderr };
}

async function waitFor(child: ChildProcess, stderr: () => string, pattern: RegExp): Promise<string> {
  for (;;) {
    const match = pattern.exec(stderr());
    if (match) return match[1]!;
    if (child.exitCode !== null) throw new Error(`exited ${child.exitCode}: ${stderr()}`);
    await Promise.race([once(child.stderr!, 'data'), once(child, 'exit')]);
  }
}

async function startFaultline(spec: string, echoPort: number): Promise<Target> {
  const [cli = '', ...options] = spec.split(' ').filter(Boolean);
  const { child, stderr } = await spawned([cli, 'server', '--port', '0', '--log-level', 'warn', ...options]);
  const url = await waitFor(child, stderr, /listening on (http:\/\/\S+)/);
  const response = await fetch(`${url}/proxies`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'echo', listen: '127.0.0.1:0', upstream: `127.0.0.1:${echoPort}` }),
  });
  const proxy = (await response.json()) as { listen: string };
  if (!response.ok) throw new Error(`${spec}: POST /proxies answered ${response.status}`);
  return { label: spec, child, pid: child.pid!, port: Number(proxy.listen.split(':').at(-1)) };
}

async function startPipe(echoPort: number): Promise<Target> {
  const child = spawn(process.execPath, [...observed, '-e', nodePipeSource, String(echoPort)], {
    stdio: ['ignore', 'pipe', 'inherit', 'pipe'],
  });
  const [line] = (await once(child.stdout!, 'data')) as [Buffer];
  return { label: 'plain Node pipe (floor)', child, pid: child.pid!, port: Number(String(line).trim()) };
}

/** One connection's [start in epoch ms, duration ms, index in its round]. */
type Sample = [number, number, number];

async function connections(port: number, count: number): Promise<{ samples: Sample[]; seconds: number }> {
  const { starts, durations, seconds } = await timedConnections(port, count);
  return { samples: starts.map((start, index): Sample => [start, durations[index]!, index]), seconds };
}

async function collectionsOf(child: ChildProcess): Promise<Collection[]> {
  const report = child.stdio[3] as Readable;
  let text = '';
  const line = new Promise<string>((resolve) => {
    report.on('data', (chunk) => {
      text += chunk;
      if (text.endsWith('\n')) resolve(text);
    });
  });
  child.kill('SIGUSR2');
  return JSON.parse(await line) as Collection[];
}

const ownCollections: Collection[] = [];
new PerformanceObserver((list) => {
  for (const entry of list.getEntries())
    ownCollections.push([performance.timeOrigin + entry.startTime, entry.duration, 0]);
}).observe({ entryTypes: ['gc'] });

const upstreams = await startUpstreams();
const targets: Target[] = [];
const haproxy = await startHaproxy({ echo: upstreams.echoPort });
try {
  for (const cli of clis) targets.push(await startFaultline(cli, upstreams.echoPort));
  targets.push(await startPipe(upstreams.echoPort));
  if (haproxy)
    targets.push({ label: 'HAProxy', child: undefined, pid: haproxy.pid, port: haproxy.ports.echo! });
  else console.log('HAProxy is not installed (apt-get install haproxy): no ratio to it');
  const results = targets.map(() => ({
    rate: [] as number[],
    p99: [] as number[],
    cpu: [] as number[],
    samples: [] as Sample[],
  }));
  for (const target of targets) await connections(target.port, 300); // warm-up
  const load = () =>
    loadavg()
      .map((value) => value.toFixed(2))
      .join(' ');
  for (let round = 0; round < rounds; round++) {
    const cells: string[] = [];
    // Turn about: odd rounds run the targets in reverse order.
    const order = round % 2 === 0 ? [...targets.keys()] : [...targets.keys()].reverse();
    for (const index of order) {
      const target = targets[index]!;
      const before = cpuMilliseconds(target.pid);
      const { samples, seconds } = await connections(target.port, PER_ROUND);
      const cpu = ((cpuMilliseconds(target.pid) - before) * 1000) / PER_ROUND;
      const sorted = samples.map((sample) => sample[1]).sort((a, b) => a - b);
      const result = results[index]!;
      result.rate.push(PER_ROUND / seconds);
      result.p99.push(percentile(sorted, 99));
      result.cpu.push(cpu);
      result.samples.push(...samples);
      cells.push(
        `${target.label} ${(PER_ROUND / seconds).toFixed(0)}/s p99 ${percentile(sorted, 99).toFixed(2)} ms CPU ${cpu.toFixed(0)} µs`,
      );
    }
    console.log(`round ${round + 1} (load ${load()}): ${cells.join('; ')}`);
  }
  const haproxyRates = haproxy ? results.at(-1)!.rate : undefined;
  const toHaproxy = (rate: number[]) =>
    haproxyRates ? median(rate.map((value, round) => value / haproxyRates[round]!)).toFixed(2) : '—';
  console.log(
    '\n| path | connections/s | ratio to HAProxy (median of rounds) | p99 ms | CPU µs per connection | scavenges per 1,000 connections | scavenge pause median / max ms | slowest 1% a proxy scavenge overlapped (all connections) | slowest 1% a bench-process collection overlapped | slowest 1% first in their round |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  for (const [index, target] of targets.entries()) {
    const { rate, p99, cpu, samples } = results[index]!;
    const summary = `| ${target.label} | ${median(rate).toFixed(0)} | ${toHaproxy(rate)} | ${median(p99).toFixed(2)} | ${median(cpu).toFixed(0)} | `;
    if (!target.child) {
      console.log(`${summary}— | — | — | — | — |`);
      continue;
    }
    const first = samples[0]![0];
    const last = Math.max(...samples.map(([start, duration]) => start + duration));
    const scavenges = (await collectionsOf(target.child)).filter(
      ([start, , kind]) => kind === 1 && start >= first && start <= last,
    );
    const cut = percentile(
      samples.map((sample) => sample[1]).sort((a, b) => a - b),
      99,
    );
    const slowest = samples.filter((sample) => sample[1] > cut);
    const overlapped = (during: Collection[], [start, duration]: Sample) =>
      during.some(([at, pause]) => at < start + duration && at + pause > start);
    const share = (part: number, whole: number) => `${((100 * part) / whole).toFixed(0)}%`;
    const pauses = scavenges.map((scavenge) => scavenge[1]).sort((a, b) => a - b);
    console.log(
      summary +
        `${((1000 * scavenges.length) / samples.length).toFixed(1)} | ${median(pauses).toFixed(2)} / ${(pauses.at(-1) ?? Number.NaN).toFixed(2)} | ` +
        `${share(slowest.filter((sample) => overlapped(scavenges, sample)).length, slowest.length)} (${share(samples.filter((sample) => overlapped(scavenges, sample)).length, samples.length)}) | ` +
        `${share(slowest.filter((sample) => overlapped(ownCollections, sample)).length, slowest.length)} | ` +
        `${share(slowest.filter((sample) => sample[2] === 0).length, slowest.length)} |`,
    );
  }
  console.log(`\nload ${load()}`);
} finally {
  for (const target of targets) target.child?.kill('SIGTERM');
  haproxy?.stop();
  upstreams.close();
}
