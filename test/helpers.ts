import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type RequestListener, type Server } from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { createEngine, type Engine, type EngineOptions } from '../src/proxy/engine.js';
import { type ControlServerOptions, createControlServer } from '../src/server/app.js';
import { ALL_METRICS } from '../src/server/metric-sets.js';

export interface Harness {
  url: string;
  port: number;
  engine: Engine;
  /** The control server's own HTTP server, for tests that watch its connections. */
  http: Server;
  api(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<ApiReply>;
  close(): Promise<void>;
}

export interface ApiReply {
  status: number;
  headers: Headers;
  text: string;
  json: any;
}

/** A control server on 127.0.0.1:0, closed after the test file. */
export async function startHarness(
  options: EngineOptions = {},
  controlOptions: Omit<ControlServerOptions, 'engine'> = {},
): Promise<Harness> {
  const engine = createEngine({ busyPollMicroseconds: 0, ...options });
  // Every series, as with --metrics: most tests read /metrics; metrics-flags.test.ts turns them off.
  const control = createControlServer({ engine, metrics: ALL_METRICS, ...controlOptions });
  control.http.listen(0, '127.0.0.1');
  await once(control.http, 'listening');
  const { port } = control.http.address() as net.AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  const harness: Harness = {
    url,
    port,
    engine,
    http: control.http,
    async api(method, path, body, headers = {}) {
      const init: RequestInit = { method, headers: { 'User-Agent': 'faultline-test', ...headers } };
      if (body !== undefined) init.body = typeof body === 'string' ? body : JSON.stringify(body);
      const response = await fetch(url + path, init);
      const text = await response.text();
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      return { status: response.status, headers: response.headers, text, json };
    },
    async close() {
      engine.close();
      await control.close();
    },
  };
  after(() => harness.close());
  return harness;
}

/** A TCP server on 127.0.0.1:0 that runs `onSocket` for each connection; closed after the file. */
export async function startTcpServer(onSocket: (socket: net.Socket) => void, options: net.ServerOpts = {}) {
  const sockets = new Set<net.Socket>();
  const server = net.createServer(options, (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    onSocket(socket);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  const close = async () => {
    for (const socket of sockets) socket.destroy();
    server.close();
  };
  after(close);
  return { server, port, address: `127.0.0.1:${port}`, close };
}

export const startEchoServer = () => startTcpServer((socket) => socket.pipe(socket));

/** An HTTP server on 127.0.0.1:0 answering with `handler`, and its origin; closed after the file. */
export async function startHttpApp(handler: RequestListener) {
  const server = createServer(handler);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  after(() => {
    server.closeAllConnections();
    server.close();
  });
  return { server, origin: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}` };
}

export async function connect(port: number): Promise<net.Socket> {
  const socket = net.connect({ port, host: '127.0.0.1', noDelay: true });
  await once(socket, 'connect');
  return socket;
}

/** Resolves with everything the socket sends until it ends or closes; rejects on error. */
export function readAll(socket: net.Socket): Promise<Buffer> {
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.once('end', () => resolve(Buffer.concat(chunks)));
    socket.once('close', () => resolve(Buffer.concat(chunks)));
  });
}

/** Reads until `bytes` have arrived. */
export function readBytes(socket: net.Socket, bytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= bytes) {
        socket.off('data', onData);
        resolve(Buffer.concat(chunks));
      }
    };
    socket.on('data', onData);
    socket.once('error', reject);
    socket.once('close', () => reject(new Error(`closed after ${size} of ${bytes} bytes`)));
  });
}

/**
 * Polls `condition` every few ms until it holds, failing after `timeoutMs`. The default is a
 * deadline, not a speed: it costs nothing when the condition comes, and a machine at load 25
 * takes several seconds to start a process or move one into a cgroup.
 */
export async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000) {
  const deadline = performance.now() + timeoutMs;
  while (!(await condition())) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export async function createProxy(harness: Harness, name: string, upstream: string, extra: object = {}) {
  const reply = await harness.api('POST', '/proxies', { name, listen: '127.0.0.1:0', upstream, ...extra });
  if (reply.status !== 201) throw new Error(`create proxy failed: ${reply.status} ${reply.text}`);
  const port = Number(reply.json.listen.split(':').pop());
  return { ...reply.json, port } as { name: string; listen: string; port: number };
}

/** Whether a TCP connect to the port succeeds. */
export async function canConnect(port: number): Promise<boolean> {
  const socket = net.connect({ port, host: '127.0.0.1' });
  try {
    await once(socket, 'connect');
    return true;
  } catch {
    return false;
  } finally {
    socket.destroy();
  }
}

/**
 * Debian's Chromium, headless, with the flags this machine needs (its closed network refuses
 * background connections). Fails with the package to install when it is missing.
 */
export async function launchChromium() {
  const { existsSync } = await import('node:fs');
  const { chromium } = await import('playwright-core');
  if (!existsSync('/usr/bin/chromium')) {
    throw new Error('Chromium is missing: install the Debian package "chromium" (apt-get install chromium)');
  }
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export interface CliProcess {
  child: ChildProcess;
  /** Resolves when the process has exited and its output is closed. */
  done: Promise<{ code: number | null; stdout: string; stderr: string }>;
  output(): { stdout: string; stderr: string };
}

/**
 * Starts `command` with `args` as a child process, collecting its output. The process is killed
 * by its pid after the test file if it is still running.
 */
export function spawnCollecting(
  command: string,
  args: string[],
  env: Record<string, string> = {},
  inherit = true,
): CliProcess {
  const child = spawn(command, args, {
    env: inherit ? { ...process.env, ...env } : { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  after(() => {
    if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, 'SIGKILL');
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr!.on('data', (chunk) => {
    stderr += chunk;
  });
  const done = once(child, 'close').then(([code]) => ({ code: code as number | null, stdout, stderr }));
  return { child, done, output: () => ({ stdout, stderr }) };
}

/** Starts the built CLI (dist/src/cli/main.js) as spawnCollecting does. */
export function spawnCli(args: string[], env: Record<string, string> = {}, inherit = true): CliProcess {
  const cli = new URL('../src/cli/main.js', import.meta.url).pathname;
  return spawnCollecting(process.execPath, [cli, ...args], env, inherit);
}

/**
 * Runs the CLI to completion. With `inherit` false it sees only PATH and `env`, so no
 * FAULTLINE_URL or TOXIPROXY_URL from the surroundings can leak in.
 */
export async function runCli(
  args: string[],
  env: Record<string, string> = {},
  inherit = true,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const { code, stdout, stderr } = await spawnCli(args, env, inherit).done;
  return { code: code ?? 1, stdout, stderr };
}

/** A loopback port free a moment ago, for servers that must be told their port up front. */
/**
 * A loopback port that refuses connections: one below 1024, checked refused now. Binding port 0
 * never hands those out, so no other test can start listening there between this check and its
 * use, as it could on a port that freePort() saw free a moment ago.
 */
export async function closedPort(): Promise<number> {
  for (const port of [9, 1, 3, 5, 11, 15]) {
    const refused = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(false);
      });
      socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
    });
    if (refused) return port;
  }
  throw new Error('no closed port below 1024 on 127.0.0.1: something listens on 9, 1, 3, 5, 11 and 15');
}

export async function freePort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

/**
 * Starts a server that must be told its port on a loopback port free a moment ago, and on another
 * one when that port was taken before the server bound it: any process may bind a port seen free
 * until ours does. `launch` resolves once the server is ready; it rejects with `portTaken` true
 * when the bind failed ("Address already in use"), and only then is another port tried.
 */
export async function startOnFreePort<T>(
  what: string,
  launch: (port: number) => Promise<T>,
  attempts = 5,
): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    const port = await freePort();
    try {
      return await launch(port);
    } catch (error) {
      if (!(error as { portTaken?: boolean }).portTaken || attempt === attempts) throw error;
      process.stderr.write(`${what}: port ${port} was taken before it could bind it; trying another\n`);
    }
  }
}

/**
 * Resolves with the first match of `pattern` in what the child writes to its piped `stream`.
 * Rejects if the child ends first, saying what it wrote, with `portTaken` true when that says
 * its bind failed. With no pattern it only watches for that end.
 */
export function announced(
  child: ChildProcess,
  stream: 'stdout' | 'stderr',
  pattern: RegExp | null,
  what: string,
): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let text = '';
    let settled = false;
    child[stream]!.setEncoding('utf8').on('data', (chunk: string) => {
      if (settled) return;
      text += chunk;
      const match = pattern?.exec(text);
      if (match) {
        settled = true;
        resolve(match);
      }
    });
    // 'close', not 'exit': by then everything it wrote has been read.
    child.once('close', (code, signal) => {
      if (settled) return;
      settled = true;
      const error = new Error(
        `${what} ended (${signal ?? `exit status ${code}`}) before it was ready: ${text}`,
      );
      reject(Object.assign(error, { portTaken: /address already in use/i.test(text) }));
    });
  });
}

/**
 * A fresh directory `faultline-<purpose>-XXXXXX` in the system's temp directory, removed with
 * everything in it after the test that made it (or after the file, when made outside a test).
 */
export function tempDirectory(purpose: string): string {
  const directory = mkdtempSync(join(tmpdir(), `faultline-${purpose}-`));
  after(() => rmSync(directory, { recursive: true, force: true }));
  return directory;
}

/** Makes a self-signed certificate for 127.0.0.1 with openssl at `key` and `cert`, valid one day. */
export function selfSignedCertificate(key: string, cert: string): void {
  const args = ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert];
  try {
    execFileSync('openssl', [...args, '-days', '1', '-subj', '/CN=127.0.0.1'], { stdio: 'ignore' });
  } catch {
    throw new Error('openssl is missing: install the Debian package "openssl" (apt-get install openssl)');
  }
}
