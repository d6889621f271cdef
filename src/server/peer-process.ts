import { readFileSync } from 'node:fs';
import type { Socket } from 'node:net';

/**
 * Whether `pid` is a process of the user at the other end of `socket`, a connection from this
 * machine: the kernel's socket tables (/proc/net/tcp, tcp6) name the uid that owns the client's
 * end. A run that registers another user's pid (to keep halt from interrupting it) fails this,
 * and so does a pid on another machine or in another network namespace, which is no process here.
 */
export function isPeerProcess(socket: Socket, pid: number): boolean {
  const peer = peerUid(socket);
  return peer !== undefined && peer === processUid(pid);
}

function peerUid(socket: Socket): number | undefined {
  const clientPort = socket.remotePort;
  const serverPort = socket.localPort;
  if (clientPort === undefined || serverPort === undefined) return undefined;
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      // sl local_address rem_address st tx:rx tr:when retrnsmt uid …
      const [, local, remote, , , , , uid] = line.trim().split(/\s+/);
      if (local === undefined || remote === undefined || uid === undefined) continue;
      if (portOf(local) === clientPort && portOf(remote) === serverPort) return Number(uid);
    }
  }
  return undefined;
}

const portOf = (address: string): number => parseInt(address.slice(address.lastIndexOf(':') + 1), 16);

function processUid(pid: number): number | undefined {
  try {
    const uid = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return uid === undefined ? undefined : Number(uid);
  } catch {
    return undefined;
  }
}
