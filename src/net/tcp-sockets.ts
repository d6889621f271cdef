import { readFileSync } from 'node:fs';

/** One socket of the kernel's TCP tables (/proc/net/tcp and tcp6), as far as faultline reads them. */
export interface TcpSocketRow {
  localPort: number;
  remotePort: number;
  /** The kernel's state code: 0A is LISTEN, 01 ESTABLISHED. */
  state: string;
  /** The user that owns the socket. */
  uid: number;
  inode: string;
}

/** Every IPv4 and IPv6 TCP socket of this network namespace; a table that cannot be read gives none. */
export function tcpSocketRows(): TcpSocketRow[] {
  const rows: TcpSocketRow[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode …
      const [, local, remote, state, , , , uid, , inode] = line.trim().split(/\s+/);
      if (local === undefined || remote === undefined || state === undefined || uid === undefined) continue;
      rows.push({
        localPort: portOf(local),
        remotePort: portOf(remote),
        state,
        uid: Number(uid),
        inode: inode ?? '',
      });
    }
  }
  return rows;
}

/** The port of an address as the tables write it: hex after the last colon (`0100007F:1F90`). */
const portOf = (address: string): number => Number.parseInt(address.slice(address.lastIndexOf(':') + 1), 16);
