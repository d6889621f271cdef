import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import autocannon from 'autocannon';
import { Client } from 'undici';
import { freePort } from './haproxy.js';
import { median, percentile } from './measure.js';
import { cpuMilliseconds, startFaultline } from './servers.js';

/**
 * HTTP rows of the bench, in one run on loopback: a small JSON answer over 32 keep-alive
 * connections with autocannon, directly, through faultline's http proxy with no toxics,
 * through nginx (upstream keep-alive, one worker; when /usr/sbin/nginx exists), through
 * http-proxy (npm) and through the least a node:http + undici proxy does; then the latency
 * each adds, one request at a time on one keep-alive connection; then gRPC unary calls
 * directly and through an http2 proxy. Every run is bounded in time; every process started is
 * stopped by its pid.
 */
const NGINX = '/usr/sbin/nginx';
const CONNECTIONS = 32;
/** Rounds at 32 connections, each target SECONDS a round, after WARM_UP_SECONDS each. */
const ROUNDS = 3;
const SECONDS = 3;
const WARM_UP_SECONDS = 4;
/** One keep-alive connection, one request at a time: what a proxy adds, without queueing. */
const SEQUENTIAL_ROUNDS = 4;
const SEQUENTIAL_PER_ROUND = 500;
const SEQUENTIAL_ROUND_MS = 1500;
const GRPC_CONCURRENCY = 32;
const GRPC_SECONDS = 3;
const child = fileURLToPath(new URL('./http-child.js', import.meta.url));
const protoPath = fileURLToPath(new URL('../../test/fixtures/grpc/orders.proto', import.meta.url));

export interface HttpBench {
  rows: string[][];
  verdicts: string[];
}

interface Rate {
  requestsPerSecond: number;
  /** CPU time the proxy process (nginx: its worker too) spent per request, in µs. */
  cpuPerRequest: number | undefined;
  p50: number;
  p99: number;
  errors: number;
}

/** The process and its children (nginx's worker), CPU milliseconds so far. */
function treeCpuMilliseconds(pid: number): number {
  let children: number[] = [];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .split(' ')
      .filter(Boolean)
      .map(Number);
  } catch {
    // No children file (an old kernel): the process alone.
  }
  return children.reduce((sum, child) => sum + cpuMilliseconds(child), cpuMilliseconds(pid));
}

async function load(port: number, pid: number | undefined, seconds: number): Promise<Rate> {
  const cpuBefore = pid === undefined ? 0 : treeCpuMilliseconds(pid);
  const result = await autocannon({
    url: `http://127.0.0.1:${port}/orders/7`,
    connections: CONNECTIONS,
    duration: seconds,
  });
  const cpu = pid === undefined ? undefined : treeCpuMilliseconds(pid) - cpuBefore;
  return {
    cpuPerRequest:
      cpu === undefined || result.requests.total === 0 ? undefined : (cpu * 1000) / result.requests.total,
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.non2xx,
  };
}

interface Sequential {
  /** Microseconds from sending a request to the end of its answer, one per request. */
  samples: number[];
  cpuMicroseconds: number;
  errors: number;
}

/**
 * Sends requests one after another on one keep-alive connection for at most `count` requests
 * or `ms` milliseconds, timing each with the monotonic clock: the p50 is the proxy's own
 * latency, where autocannon's at 32 connections is mostly the queue (32 / rate) in whole ms.
 */
async function sequential(
  client: Client,
  count: number,
  ms: number,
  into: Sequential,
  pid: number | undefined,
) {
  const cpuBefore = pid === undefined ? 0 : treeCpuMilliseconds(pid);
  const deadline = process.hrtime.bigint() + BigInt(ms) * 1_000_000n;
  for (let sent = 0; sent < count && process.hrtime.bigint() < deadline; sent += 1) {
    const started = process.hrtime.bigint();
    const { statusCode, body } = await client.request({ method: 'GET', path: '/orders/7' });
    await body.dump();
    if (statusCode !== 200) into.errors += 1;
    into.samples.push(Number(process.hrtime.bigint() - started) / 1000);
  }
  if (pid !== undefined) into.cpuMicroseconds += (treeCpuMilliseconds(pid) - cpuBefore) * 1000;
}

/**
 * The sequential run for every target, turned about round by round so a busy spell on the
 * machine falls on all of them; a warm-up of one round first.
 */
async function sequentialLatencies(
  targets: Array<[string, number, number | undefined]>,
): Promise<Map<string, Sequential>> {
  const clients = targets.map(([, port]) => new Client(`http://127.0.0.1:${port}`, { pipelining: 1 }));
  const empty = (): Sequential => ({ samples: [], cpuMicroseconds: 0, errors: 0 });
  const results = new Map<string, Sequential>(targets.map(([label]) => [label, empty()]));
  try {
    for (const client of clients)
      await sequential(client, SEQUENTIAL_PER_ROUND, SEQUENTIAL_ROUND_MS, empty(), undefined);
    for (let round = 0; round < SEQUENTIAL_ROUNDS; round += 1) {
      const order = targets.map((_, index) => index);
      if (round % 2 === 1) order.reverse();
      for (const index of order) {
        const [label, , pid] = targets[index]!;
        await sequential(
          clients[index]!,
          SEQUENTIAL_PER_ROUND,
          SEQUENTIAL_ROUND_MS,
          results.get(label)!,
          pid,
        );
      }
    }
  } finally {
    await Promise.all(clients.map((client) => client.close()));
  }
  return results;
}

function startChild(
  args: string[],
  processes: ChildProcess[],
): Promise<{ http: number; grpc?: number; pid: number }> {
  const started = spawn(process.execPath, [child, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  processes.push(started);
  return new Promise((resolve, reject) => {
    let text = '';
    started.stdout!.on('data', (chunk) => {
      text += chunk;
      if (text.includes('\n')) resolve({ ...JSON.parse(text.split('\n')[0]!), pid: started.pid! });
    });
    started.once('exit', (code) => reject(new Error(`${args[0]} exited ${code}`)));
  });
}

async function startNginx(upstreamPort: number, processes: ChildProcess[], cleanup: Array<() => void>) {
  if (!existsSync(NGINX)) return undefined;
  const prefix = mkdtempSync(join(tmpdir(), 'faultline-bench-nginx-'));
  cleanup.push(() => rmSync(prefix, { recursive: true, force: true }));
  const port = await freePort();
  writeFileSync(
    join(prefix, 'nginx.conf'),
    `worker_processes 1;
daemon off;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${prefix}/body;
  proxy_temp_path ${prefix}/proxy;
  fastcgi_temp_path ${prefix}/fastcgi;
  uwsgi_temp_path ${prefix}/uwsgi;
  scgi_temp_path ${prefix}/scgi;
  upstream app { server 127.0.0.1:${upstreamPort}; keepalive 64; }
  server {
    listen 127.0.0.1:${port};
    location / { proxy_pass http://app; proxy_http_version 1.1; proxy_set_header Connection ""; }
  }
}
`,
  );
  const nginx = spawn(NGINX, ['-p', prefix, '-c', join(prefix, 'nginx.conf')], { stdio: 'ignore' });
  processes.push(nginx);
  for (let attempt = 0; attempt < 500; attempt += 1) {
    try {
      await fetch(`http://127.0.0.1:${port}/`);
      return { port, pid: nginx.pid! };
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
  throw new Error('nginx did not answer within 5 s');
}

/** Unary calls with GRPC_CONCURRENCY in flight for GRPC_SECONDS; calls per second. */
interface GrpcRate {
  callsPerSecond: number;
  failures: number;
}

async function grpcRate(port: number): Promise<GrpcRate> {
  const definition = protoLoader.loadSync(protoPath);
  const shop = (grpc.loadPackageDefinition(definition).shop as grpc.GrpcObject)
    .Orders as grpc.ServiceClientConstructor;
  const client = new shop(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as unknown as {
    Get(request: object, callback: (error: Error | null) => void): void;
    close(): void;
  };
  const call = () =>
    new Promise<boolean>((resolve) => client.Get({ id: 1 }, (error) => resolve(error === null)));
  // A second of calls first, so both sides are warmed up (JIT, connections) before counting.
  const warm = performance.now() + 1000;
  await Promise.all(
    Array.from({ length: GRPC_CONCURRENCY }, async () => {
      while (performance.now() < warm) await call();
    }),
  );
  const deadline = performance.now() + GRPC_SECONDS * 1000;
  let calls = 0;
  let failures = 0;
  await Promise.all(
    Array.from({ length: GRPC_CONCURRENCY }, async () => {
      while (performance.now() < deadline) {
        if (await call()) calls += 1;
        else failures += 1;
      }
    }),
  );
  client.close();
  return { callsPerSecond: calls / GRPC_SECONDS, failures };
}

async function createHttpProxy(
  url: string,
  name: string,
  protocol: string,
  upstreamPort: number,
): Promise<number> {
  const response = await fetch(`${url}/proxies`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name, listen: '127.0.0.1:0', upstream: `127.0.0.1:${upstreamPort}`, protocol }),
  });
  const proxy = (await response.json()) as { listen: string };
  if (response.status !== 201) throw new Error(`creating ${name}: ${JSON.stringify(proxy)}`);
  return Number(proxy.listen.split(':').pop());
}

export async function benchHttp(): Promise<HttpBench> {
  const processes: ChildProcess[] = [];
  const cleanup: Array<() => void> = [];
  const rows: string[][] = [];
  const verdicts: string[] = [];
  const fixed = (value: number, digits = 0) => value.toFixed(digits);
  try {
    const upstream = await startChild(['upstream'], processes);
    const faultline = await startFaultline('faultline (http)');
    cleanup.unshift(() => faultline.stop());
    const httpPort = await createHttpProxy(faultline.url, 'api', 'http', upstream.http);
    const grpcProxyPort = await createHttpProxy(faultline.url, 'grpc', 'http2', upstream.grpc!);
    const nodeProxy = await startChild(['http-proxy', `127.0.0.1:${upstream.http}`], processes);
    const floor = await startChild(['node-floor', `127.0.0.1:${upstream.http}`], processes);
    const nginxPort = await startNginx(upstream.http, processes, cleanup);

    const targets: Array<[string, number, number | undefined]> = [
      ['direct', upstream.http, undefined],
      ['faultline http, no toxics', httpPort, faultline.pid],
      ...(nginxPort === undefined
        ? []
        : ([['nginx reverse proxy (keepalive 64, 1 worker)', nginxPort.port, nginxPort.pid]] as Array<
            [string, number, number]
          >)),
      ['http-proxy (npm, keep-alive agent)', nodeProxy.http, nodeProxy.pid],
      ['node:http + undici, nothing between (the floor for faultline)', floor.http, floor.pid],
    ];
    // Each target warmed up once (connections, JIT, the server's young generation), then ROUNDS
    // rounds in which the targets take turns, in reversed order every other round, so a busy
    // period of the machine falls on all of them; each target's figures are its medians, and
    // each ratio is the median of the rounds' ratios.
    for (const [, port, pid] of targets) await load(port, pid, WARM_UP_SECONDS);
    const byRound: Array<Map<string, Rate>> = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      const rates = new Map<string, Rate>();
      for (const [label, port, pid] of round % 2 === 0 ? targets : [...targets].reverse())
        rates.set(label, await load(port, pid, SECONDS));
      byRound.push(rates);
      console.log(
        `  HTTP round ${round + 1} (load ${loadavg()[0]!.toFixed(2)}): ` +
          targets
            .map(([label]) => {
              const rate = rates.get(label)!;
              const cpu = rate.cpuPerRequest === undefined ? '' : ` ${fixed(rate.cpuPerRequest)} µs`;
              return `${label.split(' (')[0]!.split(',')[0]} ${fixed(rate.requestsPerSecond)}/s${cpu}`;
            })
            .join('; '),
      );
    }
    const medianOf = (label: string, pick: (rate: Rate) => number | undefined) => {
      const values = byRound.map((rates) => pick(rates.get(label)!)).filter((v) => v !== undefined);
      return values.length === 0 ? undefined : median(values);
    };
    const rates = new Map<string, Rate>();
    for (const [label] of targets) {
      const rate: Rate = {
        requestsPerSecond: medianOf(label, (r) => r.requestsPerSecond)!,
        cpuPerRequest: medianOf(label, (r) => r.cpuPerRequest),
        p50: medianOf(label, (r) => r.p50)!,
        p99: medianOf(label, (r) => r.p99)!,
        errors: byRound.reduce((sum, r) => sum + r.get(label)!.errors, 0),
      };
      rates.set(label, rate);
      const cpu =
        rate.cpuPerRequest === undefined ? '' : `, proxy CPU ${fixed(rate.cpuPerRequest)} µs/request`;
      rows.push([
        `HTTP/1.1, ${CONNECTIONS} keep-alive connections, small JSON: ${label}`,
        `${fixed(rate.requestsPerSecond)} req/s, p50 ${fixed(rate.p50, 2)} ms, p99 ${fixed(rate.p99, 2)} ms${cpu}${rate.errors ? `, ${rate.errors} errors` : ''}`,
      ]);
    }
    /** The median over the rounds of faultline's rate over another's in the same round. */
    const roundRatio = (other: string) =>
      median(
        byRound.map(
          (r) => r.get('faultline http, no toxics')!.requestsPerSecond / r.get(other)!.requestsPerSecond,
        ),
      );
    const ours = rates.get('faultline http, no toxics')!;
    const direct = rates.get('direct')!;
    const nginx =
      nginxPort === undefined ? undefined : rates.get('nginx reverse proxy (keepalive 64, 1 worker)');
    const nodeRate = rates.get('http-proxy (npm, keep-alive agent)')!;
    if (nginx) {
      const ratio = roundRatio('nginx reverse proxy (keepalive 64, 1 worker)');
      verdicts.push(
        `${ratio >= 0.6 ? 'ok        ' : 'MISSED    '} faultline http at least 0.6 of nginx: ${fixed(ratio, 2)}`,
      );
    } else
      verdicts.push('skipped    faultline vs nginx: /usr/sbin/nginx is not installed (Debian package nginx)');
    const overNode = roundRatio('http-proxy (npm, keep-alive agent)');
    verdicts.push(
      `${overNode >= 1.2 ? 'ok        ' : 'MISSED    '} faultline http at least 1.2x http-proxy: ${fixed(overNode, 2)}x`,
    );
    const floorRate = rates.get('node:http + undici, nothing between (the floor for faultline)')!;
    if (ours.cpuPerRequest !== undefined && nodeRate.cpuPerRequest !== undefined)
      verdicts.push(
        `info       proxy CPU per request (steadier than the rate on a shared machine): faultline ${fixed(ours.cpuPerRequest)} µs, node:http + undici floor ${fixed(floorRate.cpuPerRequest ?? 0)} µs, http-proxy ${fixed(nodeRate.cpuPerRequest)} µs${nginx?.cpuPerRequest === undefined ? '' : `, nginx ${fixed(nginx.cpuPerRequest)} µs`}`,
      );
    const latencies = await sequentialLatencies(targets);
    const sorted = new Map(
      [...latencies].map(([label, run]) => [label, [...run.samples].sort((a, b) => a - b)]),
    );
    for (const [label, , pid] of targets) {
      const run = latencies.get(label)!;
      const samples = sorted.get(label)!;
      const cpu =
        pid === undefined ? '' : `, proxy CPU ${fixed(run.cpuMicroseconds / samples.length)} µs/request`;
      rows.push([
        `HTTP/1.1, one keep-alive connection, one request at a time (${samples.length}): ${label}`,
        `p50 ${fixed(percentile(samples, 50))} µs, p99 ${fixed(percentile(samples, 99))} µs${cpu}${run.errors ? `, ${run.errors} errors` : ''}`,
      ]);
    }
    const sequentialP50 = (label: string) => percentile(sorted.get(label)!, 50);
    const addedMicroseconds = sequentialP50('faultline http, no toxics') - sequentialP50('direct');
    const others = targets
      .slice(2)
      .map(
        ([label]) =>
          `${label.split(' (')[0]!.split(',')[0]} +${fixed(sequentialP50(label) - sequentialP50('direct'))} µs`,
      );
    verdicts.push(
      `${addedMicroseconds <= 1000 ? 'ok        ' : 'MISSED    '} added p50 at most 1 ms (one connection, one request at a time): +${fixed(addedMicroseconds)} µs over direct (${others.join(', ')})`,
    );
    verdicts.push(
      `info       p50 at ${CONNECTIONS} connections is the queue, in whole ms (autocannon): direct ${fixed(direct.p50)} ms, faultline ${fixed(ours.p50)} ms${nginx ? `, nginx ${fixed(nginx.p50)} ms` : ''}`,
    );

    // Turn about as above: each round runs both, in reversed order every other round.
    const grpcRounds: Array<{ direct: GrpcRate; proxied: GrpcRate }> = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      const first = round % 2 === 0 ? upstream.grpc! : grpcProxyPort;
      const firstRate = await grpcRate(first);
      const secondRate = await grpcRate(first === grpcProxyPort ? upstream.grpc! : grpcProxyPort);
      const direct = first === grpcProxyPort ? secondRate : firstRate;
      const proxied = first === grpcProxyPort ? firstRate : secondRate;
      grpcRounds.push({ direct, proxied });
      console.log(
        `  gRPC round ${round + 1} (load ${loadavg()[0]!.toFixed(2)}): direct ${fixed(direct.callsPerSecond)} calls/s; through faultline http2 ${fixed(proxied.callsPerSecond)} calls/s`,
      );
    }
    const grpcRow = (pick: (r: { direct: GrpcRate; proxied: GrpcRate }) => GrpcRate) => {
      const failures = grpcRounds.reduce((sum, r) => sum + pick(r).failures, 0);
      return `${fixed(median(grpcRounds.map((r) => pick(r).callsPerSecond)))} calls/s${failures ? `, ${failures} failed` : ''}`;
    };
    rows.push([
      `gRPC unary, ${GRPC_CONCURRENCY} in flight (@grpc/grpc-js): direct`,
      grpcRow((r) => r.direct),
    ]);
    rows.push([
      `gRPC unary, ${GRPC_CONCURRENCY} in flight: through faultline http2`,
      grpcRow((r) => r.proxied),
    ]);
    const grpcRatio = median(grpcRounds.map((r) => r.proxied.callsPerSecond / r.direct.callsPerSecond));
    verdicts.push(
      `${grpcRatio >= 0.5 ? 'ok        ' : 'MISSED    '} gRPC through http2 at least 0.5 of direct: ${fixed(grpcRatio, 2)}`,
    );
    return { rows, verdicts };
  } finally {
    for (const started of processes) {
      if (started.exitCode === null && started.pid !== undefined) process.kill(started.pid, 'SIGTERM');
    }
    for (const clean of cleanup) clean();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const deadline = setTimeout(() => {
    console.error('bench/http: gave up after 3 minutes');
    process.exit(1);
  }, 180_000);
  const { rows, verdicts } = await benchHttp();
  console.log('\n| HTTP proxying | measured |\n|---|---|');
  for (const cells of rows) console.log(`| ${cells.join(' | ')} |`);
  for (const verdict of verdicts) console.log(`  ${verdict}`);
  clearTimeout(deadline);
}
