import { spawn } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import { loadavg } from 'node:os';
import { median } from './measure.js';
import { cpuMilliseconds, faultlineBin, rssMegabytes } from './servers.js';

/**
 * Start-up of builds turn about, for comparing them in the same minutes:
 * `node dist/bench/start-up-turns.js [ROUNDS] [CLI...]` starts `CLI server --port 0` for each CLI
 * (default: this build's bin) and a bare node:http server, one after another, ROUNDS times (default
 * 9), and prints for each the median wall time from spawn to the answer of GET /version, the
 * server's CPU by then (/proc/PID/stat, 10 ms ticks: the figure a loaded machine blurs least)
 * and its RSS 1 s after the answer; then it times faultline's first POST /proxies (wall time and
 * server CPU), which a test file sends next. Copy each build's dist/ and package.json into one directory
 * tree: RSS counts pages of the node binary, which differ by where a build was started from.
 */
const rounds = Number(process.argv[2] ?? 9);
const clis = process.argv.slice(3);
if (clis.length === 0) clis.push(faultlineBin);
if (!(Number.isInteger(rounds) && rounds >= 1 && rounds <= 50)) {
  console.error(`start-up-turns: ROUNDS must be a whole number from 1 to 50, not ${process.argv[2]}`);
  process.exit(2);
}

const BARE_SERVER =
  "const server = require('node:http').createServer((request, response) => response.end('{}'));" +
  "server.listen(0, '127.0.0.1', () => process.stderr.write('listening on http://127.0.0.1:' + server.address().port + '\\n'));";

const BARE_LABEL = 'bare node:http server';

interface Target {
  label: string;
  args: string[];
  wallMs: number[];
  cpuMs: number[];
  rssMb: number[];
  /** faultline's first POST /proxies (the request a test file sends next), after the RSS reading. */
  firstPostMs: number[];
  firstPostCpuMs: number[];
}

const targets: Target[] = [
  ...clis.map((cli) => ({ label: cli, args: [cli, 'server', '--port', '0', '--log-level', 'warn'] })),
  { label: BARE_LABEL, args: ['-e', BARE_SERVER] },
].map((target) => ({ ...target, wallMs: [], cpuMs: [], rssMb: [], firstPostMs: [], firstPostCpuMs: [] }));

function getStatus(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false }, (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
      })
      .on('error', reject);
  });
}

/** A tcp proxy to a port nothing listens on: the server validates, lists and listens, nothing more. */
async function firstPost(target: Target, url: string, pid: number): Promise<void> {
  const cpuBefore = cpuMilliseconds(pid);
  const started = performance.now();
  const response = await fetch(`${url}/proxies`, {
    method: 'POST',
    body: JSON.stringify({ name: 'first', listen: '127.0.0.1:0', upstream: '127.0.0.1:9' }),
  });
  const text = await response.text();
  target.firstPostMs.push(performance.now() - started);
  target.firstPostCpuMs.push(cpuMilliseconds(pid) - cpuBefore);
  if (response.status !== 201)
    throw new Error(`${target.label} POST /proxies answered ${response.status}: ${text}`);
}

async function startOnce(target: Target): Promise<void> {
  const started = performance.now();
  const child = spawn(process.execPath, target.args, { stdio: ['ignore', 'ignore', 'pipe'] });
  try {
    let stderr = '';
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${target.label} did not listen within 30 s`)), 30_000);
      child.stderr.on('data', (chunk) => {
        stderr += chunk;
        const match = /listening on (http:\/\/\S+)/.exec(stderr);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]!);
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${target.label} exited ${code}: ${stderr}`));
      });
    });
    const status = await getStatus(`${url}/version`);
    target.wallMs.push(performance.now() - started);
    target.cpuMs.push(cpuMilliseconds(child.pid!));
    if (status !== 200) throw new Error(`${target.label} answered GET /version ${status}`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    target.rssMb.push(rssMegabytes(child.pid!));
    if (target.label !== BARE_LABEL) await firstPost(target, url, child.pid!);
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      process.kill(child.pid!, 'SIGTERM');
      await once(child, 'exit');
    }
  }
}

const load = () =>
  loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');
console.log(`start-up-turns: ${rounds} rounds, load ${load()}`);
for (let round = 0; round < rounds; round++) {
  // Every other round in reverse, so no target always follows the same one.
  for (const target of round % 2 === 0 ? targets : [...targets].reverse()) await startOnce(target);
}
console.log(
  "\n| start | spawn to the answer of GET /version, ms | server CPU by then, ms | RSS 1 s later, MB | wall / CPU against the first, median of the rounds' ratios | then the first POST /proxies: wall / server CPU, ms |",
);
console.log('|---|---|---|---|---|---|');
// A round's ratio compares starts made within seconds of each other, which a change of the
// machine's load between rounds moves less than the medians.
const ratios = (values: number[], against: number[]) =>
  median(values.map((value, round) => value / Math.max(against[round]!, 1))).toFixed(2);
for (const target of targets) {
  const range = (values: number[], digits: number) =>
    `${median(values).toFixed(digits)} (${Math.min(...values).toFixed(digits)}–${Math.max(...values).toFixed(digits)})`;
  const first = targets[0]!;
  console.log(
    `| ${target.label} | ${range(target.wallMs, 1)} | ${range(target.cpuMs, 0)} | ${range(target.rssMb, 1)} | ${ratios(target.wallMs, first.wallMs)} / ${ratios(target.cpuMs, first.cpuMs)} | ${target.firstPostMs.length === 0 ? '—' : `${median(target.firstPostMs).toFixed(1)} / ${median(target.firstPostCpuMs).toFixed(0)}`} |`,
  );
}
console.log(`\nload ${load()}`);
