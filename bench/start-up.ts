import { spawn, spawnSync } from 'node:child_process';
import http from 'node:http';
import { median } from './measure.js';
import { faultlineBin, type ProxyServer, rssMegabytes, startFaultline } from './servers.js';

/** Milliseconds from spawning `faultline server` to the answer of its first GET /version. */
export async function serverStartToFirstAnswer(): Promise<{ ms: number; server: ProxyServer }> {
  const started = performance.now();
  const server = await startFaultline('faultline (start-up)');
  const response = await fetch(`${server.url}/version`);
  await response.text();
  const ms = performance.now() - started;
  if (!response.ok) throw new Error(`GET /version answered ${response.status}`);
  return { ms, server };
}

/**
 * The floor under both figures above: a Node process that only answers HTTP (node:http,
 * nothing else loaded), spawned and asked the same way. No Node server can start faster or
 * sit smaller on this machine, so the targets read against it.
 */
export async function bareNodeServer(): Promise<{ ms: number; pid: number; stop(): void }> {
  const script =
    "const server = require('node:http').createServer((request, response) => response.end('{}'));" +
    "server.listen(0, '127.0.0.1', () => process.stderr.write('listening on http://127.0.0.1:' + server.address().port + '\\n'));";
  const started = performance.now();
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
      const match = /listening on (http:\/\/\S+)/.exec(stderr);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`the bare node:http server exited ${code}: ${stderr}`)));
  });
  const response = await fetch(`${url}/version`);
  await response.text();
  const ms = performance.now() - started;
  return {
    ms,
    pid: child.pid!,
    stop: () => {
      if (child.exitCode === null) process.kill(child.pid!, 'SIGTERM');
    },
  };
}

/**
 * Median wall time, in milliseconds, of `runs` runs of node with each argument list. The
 * commands take turns run by run, so a busy moment of the machine falls on all of them alike.
 */
export function wallTimes(commands: ReadonlyArray<readonly string[]>, runs: number): number[] {
  const times = commands.map(() => [] as number[]);
  for (let run = 0; run < runs; run++) {
    commands.forEach((args, index) => {
      const started = performance.now();
      const result = spawnSync(process.execPath, args, {
        stdio: ['ignore', 'ignore', 'pipe'],
        timeout: 30_000,
      });
      times[index]!.push(performance.now() - started);
      if (result.status !== 0)
        throw new Error(`node ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
    });
  }
  return times.map(median);
}

export function faultlineArgs(...args: string[]): string[] {
  return [faultlineBin, ...args];
}

/** Idle RSS: read after the server has answered and then sat still for `settleMs`. */
export async function idleRss(server: { pid: number }, settleMs = 1000): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, settleMs));
  return rssMegabytes(server.pid);
}

/**
 * Creates `count` proxies one request after another on one kept-alive connection (node:http, a
 * lighter client than fetch, so the server's speed shows rather than the client's), each on a
 * loopback listener on port 0 in front of `upstreamPort`; returns the seconds it took.
 */
export async function createProxies(
  server: ProxyServer,
  count: number,
  upstreamPort: number,
): Promise<number> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const started = performance.now();
  try {
    for (let i = 0; i < count; i++) {
      const body = JSON.stringify({
        name: `many${i}`,
        listen: '127.0.0.1:0',
        upstream: `127.0.0.1:${upstreamPort}`,
      });
      const { status, text } = await post(agent, `${server.url}/proxies`, body);
      if (status !== 201 && status !== 200)
        throw new Error(`${server.label} POST /proxies: ${status} ${text}`);
    }
  } finally {
    agent.destroy();
  }
  return (performance.now() - started) / 1000;
}

/**
 * Milliseconds for a fresh server's first POST /proxies, which a test file sends right after
 * start: the server reads and evaluates what validating a body needs (zod) at this request.
 */
export async function firstProxyMs(server: ProxyServer, upstreamPort: number): Promise<number> {
  const agent = new http.Agent({ keepAlive: false });
  const body = JSON.stringify({
    name: 'first',
    listen: '127.0.0.1:0',
    upstream: `127.0.0.1:${upstreamPort}`,
  });
  const started = performance.now();
  try {
    const { status, text } = await post(agent, `${server.url}/proxies`, body);
    if (status !== 201) throw new Error(`${server.label} first POST /proxies: ${status} ${text}`);
  } finally {
    agent.destroy();
  }
  return performance.now() - started;
}

function post(agent: http.Agent, url: string, body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      url,
      {
        method: 'POST',
        agent,
        headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) },
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}
