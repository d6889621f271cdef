// Real PostgreSQL and Redis servers for the database lessons, on 127.0.0.1 and free ports (another
// one when the port was taken before the server bound it), with
// PostgreSQL's data in a temporary directory removed at the end. They are started through the caller's process
// group, so they are stopped by pid with everything else.
import { execFileSync } from 'node:child_process';
import {
  appendFileSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  rmSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { connect } from 'node:net';
import { join } from 'node:path';
import { announced, startOnFreePort } from '../processes.mjs';

/** Debian keeps the server binaries out of PATH, in /usr/lib/postgresql/<major>/bin. */
export function postgresBinaries() {
  const onPath = (binary) => {
    try {
      return execFileSync('sh', ['-c', `command -v ${binary}`], { encoding: 'utf8' }).trim();
    } catch {
      return undefined;
    }
  };
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((name) => /^\d+$/.test(name))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  const find = (binary) =>
    onPath(binary) ??
    versions.map((version) => join(root, version, 'bin', binary)).find((path) => existsSync(path));
  const initdb = find('initdb');
  const postgres = find('postgres');
  if (!initdb || !postgres)
    throw new Error(
      'PostgreSQL is not installed: apt-get install postgresql (it provides initdb and postgres)',
    );
  return { initdb, postgres };
}

export function requireRedis() {
  try {
    execFileSync('redis-server', ['--version'], { stdio: 'ignore' });
  } catch {
    throw new Error('redis-server is not installed: apt-get install redis-server');
  }
}

/** PostgreSQL refuses to run as root; as root the server runs as the "postgres" user instead. */
function serverUser() {
  if (process.getuid?.() !== 0) return {};
  try {
    const id = (flag) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    throw new Error(
      'PostgreSQL cannot run as root and there is no "postgres" user: apt-get install postgresql creates it',
    );
  }
}

export async function startPostgres({ directory, start, afterStop }) {
  const { initdb, postgres } = postgresBinaries();
  const user = serverUser();
  mkdirSync(directory, { recursive: true });
  // Its own directory, as the run's may not be open to the server's user.
  const home = mkdtempSync(join(tmpdir(), 'faultline-postgres-'));
  afterStop(() => rmSync(home, { recursive: true, force: true }));
  const data = join(home, 'data');
  const sockets = join(home, 'sockets');
  mkdirSync(data);
  mkdirSync(sockets);
  if (user.uid !== undefined) for (const path of [home, data, sockets]) chownSync(path, user.uid, user.gid);
  try {
    execFileSync(initdb, ['-D', data, '-U', 'faultline', '--auth', 'trust', '--no-sync'], {
      stdio: 'pipe',
      ...user,
    });
  } catch (error) {
    throw new Error(`initdb failed: ${error.stderr?.toString().trim() || error.message}`);
  }
  const logPath = join(directory, 'postgres.log');
  return startOnFreePort('PostgreSQL', async (port) => {
    const server = start(
      postgres,
      [
        '-D',
        data,
        '-p',
        String(port),
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        `unix_socket_directories=${sockets}`,
        '-c',
        'fsync=off',
      ],
      { stdio: ['ignore', openSync(logPath, 'a'), 'pipe'], ...user },
    );
    // Ready is said once its TCP socket is bound: whatever answers on the port is this server.
    await announced(
      server,
      'stderr',
      /database system is ready to accept connections/,
      'PostgreSQL',
      (text) => appendFileSync(logPath, text),
    );
    return { port, url: `postgres://faultline@127.0.0.1:${port}/postgres` };
  });
}

export async function startRedis({ start }) {
  requireRedis();
  return startOnFreePort('redis-server', async (port) => {
    const server = start(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await announced(server, 'stdout', /Ready to accept connections/, 'redis-server');
    return { port };
  });
}

export async function waitForPort(port, what) {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const open = await new Promise((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => resolve(socket.destroy() !== undefined));
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${what} did not listen on 127.0.0.1:${port} within 10 s`);
}
