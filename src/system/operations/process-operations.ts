import { z } from 'zod';
import {
  identify,
  type ProcessInfo,
  processState,
  refuseUnsignallable,
  shortCommand,
  signalIfAlive,
  signalName,
  signalNumber,
  STOP_SIGNALS,
} from '../processes.js';
import { operation, type SystemContext, type SystemOperation } from './operation.js';
import { resolveTargets, targetFields } from './selector.js';

const kill = z.strictObject({
  ...targetFields,
  /** A name or a number, as the CLI takes it: 9 and "9" are SIGKILL. */
  signal: z
    .union([z.string(), z.number().int().positive()], { error: 'expected a signal name or number' })
    .transform(String)
    .default('SIGTERM'),
  dryRun: z.boolean().default(false),
});
const pause = z.strictObject({ ...targetFields });

/**
 * Sends a stopping signal, recorded with a SIGCONT undo first, so a rollback, `faultline rollback`
 * or `faultline halt` resumes the process however it was stopped.
 */
async function stopRecorded(info: ProcessInfo, signal: string, context: SystemContext): Promise<void> {
  const identity = identify(info.pid);
  if (!identity) return;
  const what = `process ${info.pid} (${shortCommand(info.command)})`;
  if (processState(info.pid) === 'T') {
    signalIfAlive(info.pid, signal);
    context.warn(
      `${what} was already stopped: ${signal} changed nothing, so nothing is recorded to resume (whoever stopped it resumes it)`,
    );
    return;
  }
  const seq = context.ledger.record({
    description: signal === 'SIGSTOP' ? `paused ${what}` : `stopped ${what} with ${signal}`,
    undo: { kind: 'resume-process', process: identity },
  });
  if (!signalIfAlive(info.pid, signal)) {
    context.ledger.settle(seq);
    context.warn(`${what} exited before ${signal} reached it: nothing was stopped`);
    return;
  }
  if (signal === 'SIGSTOP' || (await stopsWithin(info.pid, STOP_WAIT_MS))) return;
  context.ledger.settle(seq);
  context.warn(
    `${what} did not stop on ${signal}: it catches or ignores it, or its process group is orphaned, where the kernel discards ${signal}; nothing is recorded to resume. SIGSTOP stops any process.`,
  );
}

/**
 * After a stop signal: T is stopped; t is a tracer's stop (strace, `syscall attach`), which is
 * also where a traced process sits once a stop signal stopped it, and cannot be told from it.
 * Before one, only T counts as stopped already: a traced process that runs shows t between its
 * system calls (all the time while strace holds each call with delay_enter), and taking that for
 * a pause recorded nothing while SIGSTOP paused it.
 */
const isStopped = (state: string | undefined) => state === 'T' || state === 't';

/** How long a process may take to show that a catchable stop signal stopped it. */
const STOP_WAIT_MS = 500;

/** Whether the process shows as stopped (T) within `ms`, looked at every few milliseconds. */
async function stopsWithin(pid: number, ms: number): Promise<boolean> {
  const deadline = performance.now() + ms;
  for (;;) {
    const state = processState(pid);
    if (isStopped(state)) return true;
    if (state === undefined || performance.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** The stopped processes are running again: their pause entries are cleared, so no rollback repeats it. */
function settleResumed(found: ProcessInfo[], context: SystemContext): void {
  const pids = new Set(found.map((info) => info.pid));
  context.ledger.settleWhere((undo) => undo.kind === 'resume-process' && pids.has(undo.process.pid));
}

export const processOperations: Record<string, SystemOperation> = {
  /** Any signal; one that stops the process is recorded as a pause is, and SIGCONT clears pauses. */
  kill: operation('process.kill', kill, async (args, context) => {
    const signal = signalNumber(args.signal);
    const name = signalName(args.signal);
    const found = resolveTargets(args, 'signalled', undefined, { warn: context.warn });
    if (!args.dryRun) {
      refuseUnsignallable(found, name);
      for (const info of found) {
        if (STOP_SIGNALS.includes(name)) await stopRecorded(info, name, context);
        else signalIfAlive(info.pid, signal);
      }
      if (name === 'SIGCONT') settleResumed(found, context);
    }
    return found.map((info) => ({ ...info, signal: name, sent: !args.dryRun }));
  }),

  /** SIGSTOP, recorded with a SIGCONT undo, so a rollback or `faultline rollback` resumes it. */
  pause: operation('process.pause', pause, async (args, context) => {
    const found = resolveTargets(args, 'paused', undefined, { warn: context.warn });
    refuseUnsignallable(found, 'SIGSTOP');
    for (const info of found) await stopRecorded(info, 'SIGSTOP', context);
    return found;
  }),

  /** SIGCONT; the pause entries of the processes resumed are cleared, so no rollback repeats it. */
  resume: operation('process.resume', pause, async (args, context) => {
    const found = resolveTargets(args, 'resumed', undefined, { warn: context.warn });
    refuseUnsignallable(found, 'SIGCONT');
    for (const info of found) signalIfAlive(info.pid, 'SIGCONT');
    settleResumed(found, context);
    return found;
  }),
};
