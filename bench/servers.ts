import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { fileURLToPath } from 'node:url';

/** A control API to benchmark against: faultline or toxiproxy-server, each in its own process. */
export interface ProxyServer {
  label: string;
  url: string;
  pid: number;
  createProxy(name: string, upstreamPort: number): Promise<number>;
  addToxic(proxy: string, toxic: object): Promise<void>;
  stop(): void;
}

/**
 * The file `faultline` runs, as package.json's bin names it (npm's shim runs it): what users
 * start, so what the bench starts.
 */
export const faultlineBin = fileURLToPath(
  new URL(
    `../../${(JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { bin: { faultline: string } }).bin.faultline}`,
    import.meta.url,
  ),
);

export function rssMegabytes(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((text) => text.startsWith('VmRSS:'));
  return Number(line?.split(/\s+/)[1] ?? 0) / 1024;
}

/** The soft limit on open files of this process (children inherit it). */
export function openFileLimit(): number {
  const line = readFileSync('/proc/self/limits', 'utf8')
    .split('\n')
    .find((text) => text.startsWith('Max open files'));
  return Number(line?.split(/\s+/)[3] ?? 1024);
}

export async function startFaultline(label: string, extraArgs: string[] = []): Promise<ProxyServer> {
  const child = spawn(
    process.execPath,
    [faultlineBin, 'server', '--port', '0', '--log-level', 'warn', ...extraArgs],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr!.on('data', (chunk) => {
      stderr += chunk;
      const match = /listening on (http:\/\/\S+)/.exec(stderr);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`faultline exited ${code}: ${stderr}`)));
  });
  return controlled(label, url, child);
}

/** toxiproxy-server, when one is on PATH, for a side-by-side run. */
export async function startToxiproxy(): Promise<ProxyServer | undefined> {
  let binary: string;
  try {
    binary = execFileSync('sh', ['-c', 'command -v toxiproxy-server'], { encoding: 'utf8' }).trim();
  } catch {
    return undefined;
  }
  const port = await freePort();
  const child = spawn(binary, ['-host', '127.0.0.1', '-port', String(port)], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  // Polled every 5 ms, so its start-up time can be read off with that resolution.
  for (let attempt = 0; attempt < 1000; attempt++) {
    try {
      await fetch(`${url}/version`);
      return controlled('toxiproxy-server', url, child);
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
  child.kill();
  throw new Error('toxiproxy-server did not answer on its control port within 5 s');
}

function controlled(label: string, url: string, child: ChildProcess): ProxyServer {
  const call = async (path: string, body: object) => {
    const response = await fetch(url + path, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${label} ${path}: ${response.status} ${text}`);
    return JSON.parse(text);
  };
  return {
    label,
    url,
    pid: child.pid!,
    async createProxy(name, upstreamPort) {
      const proxy = await call('/proxies', {
        name,
        listen: '127.0.0.1:0',
        upstream: `127.0.0.1:${upstreamPort}`,
      });
      return Number(String(proxy.listen).split(':').pop());
    },
    async addToxic(proxy, toxic) {
      await call(`/proxies/${proxy}/toxics`, toxic);
    },
    stop: () => {
      if (child.exitCode === null) process.kill(child.pid!, 'SIGTERM');
    },
  };
}

async function freePort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  server.close();
  return port;
}

/** CPU time (user + system) a process has used so far, in milliseconds, from /proc. */
export function cpuMilliseconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1000) / 100;
}
