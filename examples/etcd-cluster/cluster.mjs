// A 3-member etcd cluster on 127.0.1.1-3 with every peer link and every client link through a
// faultline proxy. Peer URLs use host names (m1, m2, m3); each member runs in its own mount
// namespace with its own /etc/hosts, so member i reaches member j through proxy mi_to_mj alone.
// That makes each directed link a separate fault point, and a leader can really be cut off.
import { execFileSync } from 'node:child_process';
import { mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../processes.mjs';

export const MEMBERS = [1, 2, 3];
const memberAddress = (i) => `127.0.1.${i}`;
const linkAddress = (from, to) => `127.0.1${from}.${to}`;

export function requireEtcd() {
  for (const [binary, pkg] of [
    ['etcd', 'etcd-server'],
    ['unshare', 'util-linux'],
  ]) {
    try {
      execFileSync(binary, ['--version'], { stdio: 'ignore' });
    } catch {
      throw new Error(`${binary} is not installed: apt-get install ${pkg}`);
    }
  }
  if (process.getuid?.() !== 0)
    throw new Error('the etcd cluster needs root: each member gets its own /etc/hosts in a mount namespace');
}

/**
 * faultline.json beside this file: mI_to_mJ for each directed peer link (listening on
 * 127.0.1I.J:2380) and client_mI for each client link (127.0.2.I:2379).
 */
export const proxyConfigFile = join(dirname(fileURLToPath(import.meta.url)), 'faultline.json');

export async function startCluster({ directory, faultlineCli, start }) {
  mkdirSync(directory, { recursive: true });
  const apiPort = await freePort();
  const config = proxyConfigFile;
  const clients = JSON.parse(readFileSync(config, 'utf8'))
    .filter((proxy) => proxy.name.startsWith('client_'))
    .map((proxy) => `http://${proxy.listen}`);
  const server = start(process.execPath, [
    faultlineCli,
    'server',
    '--port',
    String(apiPort),
    '--config',
    config,
    // Prometheus scrapes the server's /metrics (see prometheus.mjs): its toxics and proxies.
    '--proxy-metrics',
  ]);
  const initialCluster = MEMBERS.map((i) => `m${i}=http://m${i}:2380`).join(',');
  for (const i of MEMBERS) {
    const hosts = join(directory, `hosts-m${i}`);
    writeFileSync(
      hosts,
      [
        '127.0.0.1 localhost',
        ...MEMBERS.map((j) => `${i === j ? memberAddress(j) : linkAddress(i, j)} m${j}`),
      ].join('\n') + '\n',
    );
    const etcd = [
      'etcd',
      '--name',
      `m${i}`,
      '--data-dir',
      join(directory, `data-m${i}`),
      '--listen-peer-urls',
      `http://${memberAddress(i)}:2380`,
      '--initial-advertise-peer-urls',
      `http://m${i}:2380`,
      '--listen-client-urls',
      `http://${memberAddress(i)}:2379`,
      '--advertise-client-urls',
      `http://${memberAddress(i)}:2379`,
      '--initial-cluster',
      initialCluster,
      '--initial-cluster-state',
      'new',
      '--initial-cluster-token',
      'faultline',
      '--heartbeat-interval',
      '100',
      '--election-timeout',
      '1000',
      '--log-level',
      'error',
    ];
    const script = `mount --bind "$0" /etc/hosts && exec "$@"`;
    const log = openSync(join(directory, `etcd-m${i}.log`), 'a');
    start('unshare', ['-m', '--propagation', 'private', 'sh', '-c', script, hosts, ...etcd], {
      stdio: ['ignore', log, log],
    });
  }
  return {
    api: `http://127.0.0.1:${apiPort}`,
    server,
    clients,
    members: MEMBERS.map((i) => `http://${memberAddress(i)}:2379`),
  };
}
