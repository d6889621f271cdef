import { existsSync, rmSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { type Cgroup, type MovedProcess, removeCgroup } from './cgroups.js';
import { destroyLab, runUndo, type UndoCommands } from './netlab.js';
import { isStillRunning, type ProcessIdentity, signalIdentified } from './processes.js';

/** How to take back one system change; stored in the ledger, so plain data only. */
export type SystemUndo =
  | { kind: 'stop-process'; process: ProcessIdentity }
  | { kind: 'resume-process'; process: ProcessIdentity }
  | { kind: 'remove-cgroup'; cgroup: Cgroup; moved: MovedProcess[] }
  | { kind: 'remove-file'; path: string }
  | { kind: 'run-commands'; commands: UndoCommands }
  | { kind: 'destroy-lab'; lab: string };

export const systemUndoKinds = new Set<string>([
  'stop-process',
  'resume-process',
  'remove-cgroup',
  'remove-file',
  'run-commands',
  'destroy-lab',
]);

/** Stops a process faultline started: SIGTERM, then SIGKILL after `graceMs`. */
export async function stopProcess(identity: ProcessIdentity, graceMs = 2000): Promise<boolean> {
  if (!signalIdentified(identity, 'SIGCONT') || !signalIdentified(identity, 'SIGTERM')) return false;
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isStillRunning(identity)) return true;
    await delay(20);
  }
  signalIdentified(identity, 'SIGKILL');
  return true;
}

export async function undoSystem(step: SystemUndo): Promise<'undone' | 'already gone'> {
  switch (step.kind) {
    case 'stop-process':
      return (await stopProcess(step.process)) ? 'undone' : 'already gone';
    case 'resume-process':
      return signalIdentified(step.process, 'SIGCONT') ? 'undone' : 'already gone';
    case 'remove-cgroup': {
      const present = Object.values(step.cgroup.directories).some((directory) => existsSync(directory));
      if (present) removeCgroup(step.cgroup, step.moved);
      return present ? 'undone' : 'already gone';
    }
    case 'remove-file': {
      const present = existsSync(step.path);
      rmSync(step.path, { force: true });
      return present ? 'undone' : 'already gone';
    }
    case 'run-commands':
      runUndo(step.commands);
      return 'undone';
    case 'destroy-lab':
      destroyLab(step.lab);
      return 'undone';
  }
}
