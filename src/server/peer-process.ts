import { readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { tcpSocketRows } from '../net/tcp-sockets.js';

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

/** The uid that owns the client's end of `socket`: its row has the client's port as local. */
function peerUid(socket: Socket): number | undefined {
  const clientPort = socket.remotePort;
  const serverPort = socket.localPort;
  if (clientPort === undefined || serverPort === undefined) return undefined;
  return tcpSocketRows().find((row) => row.localPort === clientPort && row.remotePort === serverPort)?.uid;
}

function processUid(pid: number): number | undefined {
  try {
    const uid = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return uid === undefined ? undefined : Number(uid);
  } catch {
    return undefined;
  }
}
