import { readFileSync } from 'node:fs';

/**
 * The processes above `pid`, nearest first: its parent, the parent's parent, and so on, up to but
 * not including pid 1 (which the selector guards on its own). Read from /proc, so a chain cut by a
 * process that exited stops there.
 */
export function ancestorsOf(pid: number = process.pid): number[] {
  const found: number[] = [];
  let current = parentOf(pid);
  while (current !== undefined && current > 1 && !found.includes(current)) {
    found.push(current);
    current = parentOf(current);
  }
  return found;
}

function parentOf(pid: number): number | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // "pid (command) state ppid ...": the command may hold spaces and parentheses.
  const parent = Number(text.slice(text.lastIndexOf(')') + 2).split(' ')[1]);
  return Number.isInteger(parent) ? parent : undefined;
}
