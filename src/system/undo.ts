import { setTimeout as delay } from 'node:timers/promises';
import type { SystemUndo } from '../model/ledger.js';
import { type Cgroup, cgroupByName, explainRemoval, removeCgroup } from './cgroups.js';
import {
  delayUndo,
  describeLabProcesses,
  destroyLab,
  type LabProcess,
  labIsGone,
  labProcesses,
  labExists,
  limitUndo,
  loadLab,
  partitionUndo,
  runUndo,
  type UndoCommands,
} from './netlab.js';
import {
  ACTIVITY_MARK_VARIABLE,
  activityProcesses,
  describeProcesses,
  type FoundProcess,
} from './activity-processes.js';
import { findIdentified, removeIdentified } from './private-files.js';
import {
  identify,
  isStillRunning,
  isStoppedOrStopping,
  type ProcessIdentity,
  processState,
  signalIdentified,
} from './processes.js';

export type { SystemUndo } from '../model/ledger.js';

/** What an undo did: took the fault back, or found it gone already (with why, where it matters). */
export interface UndoOutcome {
  /** left: what the entry names is there, but is not what the run made (ledger-not-ours.ts). */
  result: 'undone' | 'already gone' | 'left';
  note?: string;
}

const STOP_GRACE_MS = 2000;
/** How long a SIGKILLed process may take to be gone (it first leaves a D state, then is reaped). */
const KILL_WAIT_MS = 5000;

/**
 * Stops a process faultline started: SIGTERM, then SIGKILL after `graceMs`, and returns once it
 * is gone (or `KILL_WAIT_MS` after SIGKILL), so whoever settles its ledger entry next is right.
 */
export async function stopProcess(identity: ProcessIdentity, graceMs = STOP_GRACE_MS): Promise<boolean> {
  if (!signalIdentified(identity, 'SIGCONT') || !signalIdentified(identity, 'SIGTERM')) return false;
  if (await goneWithin(identity, graceMs)) return true;
  signalIdentified(identity, 'SIGKILL');
  await goneWithin(identity, KILL_WAIT_MS);
  return true;
}

async function goneWithin(identity: ProcessIdentity, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (isStillRunning(identity)) {
    if (Date.now() >= deadline) return false;
    await delay(20);
  }
  return true;
}

/** Stops a process activity's process and what it started; returns those it stopped. */
export async function stopActivity(leader: ProcessIdentity, mark: string): Promise<FoundProcess[]> {
  const found = activityProcesses(leader, mark);
  const stopped = await Promise.all(found.map(async (each) => ((await stopProcess(each)) ? [each] : [])));
  return stopped.flat();
}

/** Stops every process inside the lab's namespaces; returns those it stopped. */
export async function stopLabProcesses(lab: string): Promise<LabProcess[]> {
  const running = labProcesses(lab);
  const stopped = await Promise.all(
    running.map(async (found) => {
      const identity = identify(found.pid);
      return identity !== undefined && (await stopProcess(identity)) ? [found] : [];
    }),
  );
  return stopped.flat();
}

const outcome = (done: boolean): UndoOutcome => ({ result: done ? 'undone' : 'already gone' });

/** The lab's undo commands, or undefined when the lab is gone (and so is the fault). */
function labCommands(lab: string, build: (lab: ReturnType<typeof loadLab>) => UndoCommands) {
  return labExists(lab) ? build(loadLab(lab)) : undefined;
}

function existingCgroup(name: string): Cgroup | undefined {
  try {
    return cgroupByName(name);
  } catch {
    return undefined;
  }
}

/**
 * Why there is nothing left for an undo to act on (the process has exited, the file or cgroup or
 * lab is gone), or undefined when there is. undoSystem decides by it before acting, and
 * `faultline rollback --dry-run` shows it, so the dry run says what the real one will do.
 */
export function nothingLeftToUndo(step: SystemUndo): string | undefined {
  switch (step.kind) {
    case 'stop-process':
      return isStillRunning(step.process) ? undefined : processGone(step.process);
    case 'resume-process': {
      if (!isStillRunning(step.process)) return processGone(step.process);
      return isStoppedOrStopping(step.process.pid)
        ? undefined
        : `pid ${step.process.pid} runs again (state ${processState(step.process.pid)}): something resumed it`;
    }
    case 'stop-activity':
      return activityProcesses(step.process, step.mark).length > 0
        ? undefined
        : `${processGone(step.process)}, and no process holds ${ACTIVITY_MARK_VARIABLE}=${step.mark}`;
    case 'remove-cgroup':
      return existingCgroup(step.cgroup) ? undefined : `faultline/${step.cgroup} is gone`;
    case 'remove-file': {
      const found = findIdentified(step);
      if (found === 'present') return undefined;
      return found === 'gone' ? `${step.path} is gone` : `${step.path} now names another file, left alone`;
    }
    case 'remove-partition':
    case 'remove-limit':
    case 'remove-delay':
      return labExists(step.lab) ? undefined : `lab ${step.lab} is gone`;
    case 'destroy-lab':
      return labIsGone(step.lab)
        ? `lab ${step.lab} is gone, and no namespace fl-${step.lab}-* is left`
        : undefined;
  }
}

function processGone(process: ProcessIdentity): string {
  const now = identify(process.pid);
  if (now === undefined) return `pid ${process.pid} has exited`;
  return now.startTime === process.startTime
    ? `pid ${process.pid} has exited (a zombie its parent has not reaped yet)`
    : `pid ${process.pid} has exited (the pid now names another process, left alone)`;
}

/** Carries out one structured system undo; every action is built here, from validated fields. */
export async function undoSystem(step: SystemUndo): Promise<UndoOutcome> {
  const nothingLeft = nothingLeftToUndo(step);
  if (nothingLeft !== undefined) return { result: 'already gone', note: nothingLeft };
  switch (step.kind) {
    case 'stop-process':
      return outcome(await stopProcess(step.process));
    case 'stop-activity': {
      const stopped = await stopActivity(step.process, step.mark);
      return {
        ...outcome(stopped.length > 0),
        ...(stopped.length > 0 ? { note: `stopped ${describeProcesses(stopped)}` } : {}),
      };
    }
    case 'resume-process':
      return outcome(signalIdentified(step.process, 'SIGCONT'));
    case 'remove-cgroup': {
      const group = existingCgroup(step.cgroup);
      if (group) removeCgroup(group, step.moved);
      return outcome(group !== undefined);
    }
    case 'remove-file': {
      const removed = removeIdentified(step);
      if (removed === 'replaced')
        return { result: 'already gone', note: `${step.path} now names another file, left alone` };
      return outcome(removed === 'removed');
    }
    case 'remove-partition':
    case 'remove-limit':
    case 'remove-delay': {
      const commands = labCommands(step.lab, (lab) => netCommands(step, lab));
      return outcome(commands !== undefined && runUndo(commands) > 0);
    }
    case 'destroy-lab': {
      const stopped = await stopLabProcesses(step.lab);
      destroyLab(step.lab);
      return {
        result: 'undone',
        ...(stopped.length > 0 ? { note: `stopped what ran in it: ${describeLabProcesses(stopped)}` } : {}),
      };
    }
  }
}

function netCommands(
  step: Extract<SystemUndo, { kind: 'remove-partition' | 'remove-limit' | 'remove-delay' }>,
  lab: ReturnType<typeof loadLab>,
): UndoCommands {
  if (step.kind === 'remove-partition')
    return partitionUndo(lab, step.from, step.to, step.oneWay, step.priority);
  return step.kind === 'remove-limit' ? limitUndo(lab, step.host) : delayUndo(lab, step.host);
}

/** Exactly what undoSystem would do now, for `faultline rollback --dry-run`. */
export function explainSystemUndo(step: SystemUndo): string {
  switch (step.kind) {
    case 'stop-process':
      return `SIGTERM pid ${step.process.pid} if it is still the process started at tick ${step.process.startTime}, SIGKILL after ${STOP_GRACE_MS / 1000} s`;
    case 'stop-activity':
      return `SIGTERM pid ${step.process.pid} if it is still the process started at tick ${step.process.startTime}, and each process whose environment holds ${ACTIVITY_MARK_VARIABLE}=${step.mark} (what it started); SIGKILL after ${STOP_GRACE_MS / 1000} s`;
    case 'resume-process':
      return `SIGCONT pid ${step.process.pid} if it is still the process started at tick ${step.process.startTime}`;
    case 'remove-cgroup': {
      const group = existingCgroup(step.cgroup);
      return group ? explainRemoval(group, step.moved) : `nothing: faultline/${step.cgroup} is gone`;
    }
    case 'remove-file':
      return `unlink ${step.path} if it is still the file with device ${step.device} and inode ${step.inode}`;
    case 'remove-partition':
    case 'remove-limit':
    case 'remove-delay': {
      const commands = labCommands(step.lab, (lab) => netCommands(step, lab));
      if (!commands) return `nothing: lab ${step.lab} is gone`;
      return [...commands]
        .reverse()
        .map((command) => command.join(' '))
        .join('; ');
    }
    case 'destroy-lab':
      return `stop each process in a namespace named fl-${step.lab}-* (SIGTERM, SIGKILL after ${STOP_GRACE_MS / 1000} s), ip netns del each of them, and remove the lab's state`;
  }
}
