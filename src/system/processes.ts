import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import os from 'node:os';

export interface ProcessInfo {
  pid: number;
  command: string;
}

export type ProcessSelector = { pid: number } | { port: number } | { match: string };

/** The processes a selector names, read from /proc; never this process itself. */
export function findProcesses(selector: ProcessSelector): ProcessInfo[] {
  let pids: number[];
  if ('pid' in selector) pids = commandOf(selector.pid) === undefined ? [] : [selector.pid];
  else if ('port' in selector) pids = listeningOn(selector.port);
  else {
    const pattern = new RegExp(selector.match);
    pids = allPids().filter((pid) => pattern.test(commandOf(pid) ?? ''));
  }
  return pids
    .filter((pid) => pid !== process.pid && pid !== process.ppid)
    .map((pid) => ({ pid, command: commandOf(pid) ?? '' }))
    .filter((info) => info.command !== '');
}

/** "kill", "KILL" and "SIGKILL" all name SIGKILL. */
export function signalName(name: string): string {
  const upper = name.toUpperCase();
  return upper.startsWith('SIG') ? upper : `SIG${upper}`;
}

export function signalNumber(name: string): number {
  const number = os.constants.signals[signalName(name) as keyof typeof os.constants.signals];
  if (number === undefined)
    throw new Error(`unknown signal "${name}"; for example SIGTERM, SIGKILL, SIGSTOP, SIGCONT`);
  return number;
}

function allPids(): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number);
}

function commandOf(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
  } catch {
    return undefined;
  }
}

/** Processes holding a listening TCP socket on `port` (IPv4 or IPv6), from /proc/net and fds. */
function listeningOn(port: number): number[] {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      const local = fields[1];
      if (!local || fields[3] !== '0A') continue;
      if (Number.parseInt(local.split(':')[1] ?? '', 16) === port) inodes.add(fields[9] ?? '');
    }
  }
  if (inodes.size === 0) return [];
  return allPids().filter((pid) => {
    try {
      return readdirSync(`/proc/${pid}/fd`).some((fd) => {
        try {
          const link = readlinkSync(`/proc/${pid}/fd/${fd}`);
          return link.startsWith('socket:[') && inodes.has(link.slice(8, -1));
        } catch {
          return false;
        }
      });
    } catch {
      return false;
    }
  });
}
