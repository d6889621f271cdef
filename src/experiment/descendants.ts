import { readdirSync, readFileSync } from 'node:fs';

/** A process by pid and start time, so a later signal never reaches a pid that was reused. */
interface ProcessStamp {
  pid: number;
  started: string;
}

/**
 * Every process below `root` (children, their children...), from /proc. Activities put their
 * children in process groups of their own, so a group-wide signal would miss them; the parent
 * links do not.
 */
export function descendantsOf(root: number = process.pid): ProcessStamp[] {
  const children = new Map<number, ProcessStamp[]>();
  for (const name of safeReaddir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readStat(Number(name));
    if (!stat) continue;
    const list = children.get(stat.parent) ?? [];
    list.push({ pid: stat.pid, started: stat.started });
    children.set(stat.parent, list);
  }
  const found: ProcessStamp[] = [];
  const queue = [root];
  while (queue.length > 0) {
    for (const child of children.get(queue.shift()!) ?? []) {
      found.push(child);
      queue.push(child.pid);
    }
  }
  return found;
}

/**
 * Stops what this process started: SIGTERM to each descendant now, SIGKILL to those of the same
 * ones still alive after `graceMs`. The `kept` pids are spared (their own children are not).
 * Returns the pids it signalled.
 */
export async function stopDescendants(
  graceMs = 3000,
  root: number = process.pid,
  kept: readonly number[] = [],
): Promise<number[]> {
  const targets = descendantsOf(root).filter((target) => !kept.includes(target.pid));
  for (const target of targets) signal(target, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && targets.some(alive)) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  for (const target of targets.filter(alive)) signal(target, 'SIGKILL');
  return targets.map((target) => target.pid);
}

function alive(target: ProcessStamp): boolean {
  const stat = readStat(target.pid);
  return stat !== undefined && stat.started === target.started && stat.state !== 'Z';
}

function signal(target: ProcessStamp, name: NodeJS.Signals): void {
  if (!alive(target)) return;
  try {
    process.kill(target.pid, name);
  } catch {
    // It ended between the check and the signal.
  }
}

function readStat(pid: number): { pid: number; parent: number; state: string; started: string } | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // "pid (command) state ppid ..."; the command may hold spaces and parentheses.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { pid, state: fields[0]!, parent: Number(fields[1]), started: fields[19]! };
}

function safeReaddir(path: string): string[] {
  try {
    return readdirSync(path);
  } catch {
    return [];
  }
}
