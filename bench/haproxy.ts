import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const HAPROXY = '/usr/sbin/haproxy';

export interface Haproxy {
  /** Listening port per upstream name. */
  ports: Record<string, number>;
  pid: number;
  stop(): void;
}

/**
 * Debian's HAProxy in its default TCP mode, one loopback listener on a free port in front of each
 * upstream, as the baseline of a plain, fast TCP proxy. Undefined when HAProxy is not installed.
 */
export async function startHaproxy(upstreams: Record<string, number>): Promise<Haproxy | undefined> {
  if (!existsSync(HAPROXY)) return undefined;
  const ports: Record<string, number> = {};
  for (const name of Object.keys(upstreams)) ports[name] = await freePort();
  const directory = mkdtempSync(join(tmpdir(), 'faultline-bench-haproxy-'));
  const config = join(directory, 'haproxy.cfg');
  writeFileSync(
    config,
    [
      'global',
      '  maxconn 4096',
      'defaults',
      '  mode tcp',
      '  timeout connect 5s',
      '  timeout client 60s',
      '  timeout server 60s',
      ...Object.entries(upstreams).flatMap(([name, upstreamPort]) => [
        `listen ${name}`,
        `  bind 127.0.0.1:${ports[name]}`,
        `  server ${name} 127.0.0.1:${upstreamPort}`,
      ]),
      '',
    ].join('\n'),
  );
  // -db keeps it in the foreground, so the pid is HAProxy's own and stopping it is exact.
  const child: ChildProcess = spawn(HAPROXY, ['-db', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const stop = () => {
    if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, 'SIGTERM');
    rmSync(directory, { recursive: true, force: true });
  };
  const first = Object.values(ports)[0]!;
  for (let attempt = 0; attempt < 100; attempt++) {
    if (child.exitCode !== null) break;
    if (await accepts(first)) return { ports, pid: child.pid!, stop };
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  stop();
  throw new Error(`haproxy did not listen on 127.0.0.1:${first} within 5 s: ${stderr}`);
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export async function freePort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as net.AddressInfo;
  server.close();
  return port;
}
