// A 3-member etcd cluster on 127.0.1.1-3 with every peer link and every client link through a
// faultline proxy. Peer URLs use host names (m1, m2, m3); each member runs in its own mount
// namespace with its own /etc/hosts, so member i reaches member j through proxy mi_to_mj alone.
// That makes each directed link a separate fault point, and a leader can really be cut off.
import { execFileSync } from 'node:child_process';
import { mkdirSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
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

/** The faultline config: mi_to_mj for each directed peer link, client_mi for each client link. */
export function proxyConfig(clientPorts) {
  const proxies = [];
  for (const from of MEMBERS)
    for (const to of MEMBERS)
      if (from !== to)
        proxies.push({
          name: `m${from}_to_m${to}`,
          listen: `${linkAddress(from, to)}:2380`,
          upstream: `${memberAddress(to)}:2380`,
        });
  for (const i of MEMBERS)
    proxies.push({
      name: `client_m${i}`,
      listen: `127.0.0.1:${clientPorts[i - 1]}`,
      upstream: `${memberAddress(i)}:2379`,
    });
  return proxies;
}

export async function startCluster({ directory, faultlineCli, start }) {
  mkdirSync(directory, { recursive: true });
  const clientPorts = [await freePort(), await freePort(), await freePort()];
  const apiPort = await freePort();
  const config = join(directory, 'faultline.json');
  writeFileSync(config, JSON.stringify(proxyConfig(clientPorts), null, 2));
  const server = start(process.execPath, [
    faultlineCli,
    'server',
    '--port',
    String(apiPort),
    '--config',
    config,
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
    clients: clientPorts.map((port) => `http://127.0.0.1:${port}`),
    members: MEMBERS.map((i) => `http://${memberAddress(i)}:2379`),
  };
}
