import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { ancestorsOf } from './ancestors.js';
import { identify, isStillRunning, type ProcessIdentity, shortCommand } from './processes.js';

/**
 * The environment variable that marks a process activity's process, and so everything it starts
 * (a child inherits its parent's environment): a run killed with SIGKILL leaves them behind, and
 * once their parent is gone, the mark is what still says whose they are.
 */
export const ACTIVITY_MARK_VARIABLE = 'FAULTLINE_ACTIVITY';

/** 128 random bits: no process outside the activity carries it. */
export function newActivityMark(): string {
  return randomBytes(16).toString('hex');
}

export interface FoundProcess extends ProcessIdentity {
  command: string;
}

/**
 * The processes of an activity, as they are now: its own process while it is still the one
 * recorded (pid and start time), and every process of this user whose environment holds the mark.
 * The caller and its ancestors are left out (a `faultline halt` run by the activity itself).
 */
export function activityProcesses(leader: ProcessIdentity, mark: string): FoundProcess[] {
  const spared = new Set([process.pid, ...ancestorsOf()]);
  const found = new Map<number, FoundProcess>();
  const add = (identity: ProcessIdentity | undefined) => {
    if (identity && !spared.has(identity.pid))
      found.set(identity.pid, { ...identity, command: commandOf(identity.pid) });
  };
  if (isStillRunning(leader)) add(leader);
  const entry = `${ACTIVITY_MARK_VARIABLE}=${mark}`;
  for (const pid of numericEntries('/proc')) {
    if (!found.has(pid) && environmentOf(pid).includes(entry)) add(identify(pid));
  }
  return [...found.values()].sort((a, b) => a.pid - b.pid);
}

/** "pid 4711 (sleep 300), pid 4712 (sh -c …)" */
export function describeProcesses(processes: readonly FoundProcess[]): string {
  return processes.map((found) => `pid ${found.pid} (${found.command})`).join(', ');
}

/** Another user's process, or one just gone, has no environment this user can read: none. */
function environmentOf(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
  } catch {
    return [];
  }
}

function commandOf(pid: number): string {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    return shortCommand(argv.join(' ') || 'no command line');
  } catch {
    return 'no command line';
  }
}

function numericEntries(directory: string): number[] {
  try {
    return readdirSync(directory)
      .filter((name) => /^\d+$/.test(name))
      .map(Number);
  } catch {
    return [];
  }
}
