import { z } from 'zod';
import {
  identify,
  MissingPidfile,
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
import { resolveTargets, type TargetArgs, targetFields } from './selector.js';
import { killPlan, parseCount, parseInterval, repeatRounds } from '../kill-loop.js';

const kill = z.strictObject({
  ...targetFields,
  /** A name or a number, as the CLI takes it: 9 and "9" are SIGKILL. */
  signal: z
    .union([z.string(), z.number().int().positive()], { error: 'expected a signal name or number' })
    .transform(String)
    .default('SIGTERM'),
  dryRun: z.boolean().default(false),
  /** Kill this many times, re-choosing the processes each round (a supervisor restarts them). */
  count: z
    .unknown()
    .transform((value, ctx) => attempt(() => parseCount(value, 'count'), ctx))
    .optional(),
  /** The wait between two rounds: 1.25s, 200ms, 2m, or a number of seconds. */
  interval: z
    .unknown()
    .transform((value, ctx) => attempt(() => parseInterval(value, 'interval'), ctx))
    .optional(),
});

/** A parse whose error becomes the schema's issue, in the words the parser chose. */
function attempt<T>(parse: () => T, ctx: z.RefinementCtx): T {
  try {
    return parse();
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message });
    return z.NEVER;
  }
}
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

/**
 * One round of a kill: the processes chosen now, then signalled. A later round of a loop finds
 * nothing without failing (a supervisor between restarts, or one that gave up and removed its
 * pidfile), so the loop goes on; every other refusal still ends it.
 */
export async function killRound(
  args: TargetArgs,
  name: string,
  context: SystemContext,
  options: { dryRun: boolean; later: boolean; flag?: (field: string) => string },
): Promise<ProcessInfo[]> {
  let found: ProcessInfo[];
  try {
    found = resolveTargets(args, 'signalled', options.flag, { warn: context.warn, allowNone: options.later });
  } catch (error) {
    if (options.later && error instanceof MissingPidfile) return [];
    throw error;
  }
  if (options.dryRun) return found;
  refuseUnsignallable(found, name);
  for (const info of found) {
    if (STOP_SIGNALS.includes(name)) await stopRecorded(info, name, context);
    else signalIfAlive(info.pid, signalNumber(name));
  }
  if (name === 'SIGCONT') settleResumed(found, context);
  return found;
}

export const processOperations: Record<string, SystemOperation> = {
  /** Any signal; one that stops the process is recorded as a pause is, and SIGCONT clears pauses. */
  kill: operation('process.kill', kill, async (args, context) => {
    const name = signalName(args.signal);
    signalNumber(args.signal);
    const plan = killPlan(args.count, args.interval, { count: 'count', interval: 'interval' });
    const once = async (later: boolean) => {
      const found = await killRound(args, name, context, { dryRun: args.dryRun, later });
      return found.map((info) => ({ ...info, signal: name, sent: !args.dryRun }));
    };
    if (args.count === undefined) return once(false);
    // A dry run previews the first round: which processes the later ones hit is not known yet.
    const count = args.dryRun ? 1 : plan.count;
    const outcome = await repeatRounds(count, plan.intervalMs, context.signal, async (round) => {
      const processes = await once(round > 1);
      if (processes.length === 0)
        context.warn(
          `round ${round} of ${plan.count}: no process matched, nothing was signalled; the loop goes on`,
        );
      return { round, processes };
    });
    return { count: plan.count, intervalMs: plan.intervalMs, ...outcome };
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
