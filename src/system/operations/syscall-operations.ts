import { z } from 'zod';
import { numberArgument } from '../number-argument.js';
import { removeIdentified } from '../private-files.js';
import type { ProcessIdentity } from '../processes.js';
import {
  type AttachedFault,
  attachSyscallFault,
  createTraceLog,
  startInjection,
  type SyscallFault,
  type SyscallInjection,
  type SyscallReport,
} from '../strace.js';
import { stopProcess } from '../undo.js';
import { operation, type SystemContext, type SystemOperation } from './operation.js';
import { onlyOne, resolveTargets, targetFields } from './selector.js';

/** strace processes attached from this process, so `syscall.detach` ends them all. */
const attached = new Set<AttachedFault>();

const attach = z.strictObject({
  ...targetFields,
  syscall: z.string().min(1),
  error: z.string().optional(),
  delayMs: numberArgument(z.number().positive().max(60_000)).optional(),
  /** strace's N, N+, N+S or N..M; a bare N may be written as a number (YAML reads `when: 3` so). */
  when: z
    .union([z.string(), z.number().int().positive()], { error: 'expected N, N+, N+S or N..M' })
    .transform(String)
    .optional(),
  /** Detaches by itself after this long, so a forgotten fault cannot outlive the run by much. */
  seconds: numberArgument(z.number().positive().max(3600)),
});

export const syscallOperations: Record<string, SystemOperation> = {
  attach: operation('syscall.attach', attach, async (args, context) => {
    const target = onlyOne(
      resolveTargets(args, 'traced', undefined, { warn: context.warn }),
      'syscall.attach needs exactly one process',
    );
    const fault = await attachRecorded(
      target.pid,
      {
        syscall: args.syscall,
        ...(args.error === undefined ? {} : { error: args.error }),
        ...(args.delayMs === undefined ? {} : { delayEnterMs: args.delayMs }),
        ...(args.when === undefined ? {} : { when: args.when }),
      },
      args.seconds,
      context,
    );
    attached.add(fault);
    const timer = setTimeout(() => void detach(fault), args.seconds * 1000);
    timer.unref();
    return { target: target.pid, command: target.command, tracer: fault.tracer.pid };
  }),

  /** Detaches every strace this run attached and reports each injected call. */
  detach: operation('syscall.detach', z.strictObject({}), async () => {
    const results = await Promise.all(
      [...attached].map(async (fault) => {
        const injected = await detach(fault);
        return { target: fault.target, calls: fault.callsSeen, injected };
      }),
    );
    return results;
  }),
};

/**
 * Attaches strace with a ledger entry that stops it, so a crash leaves nothing attached for long
 * (strace also detaches by itself at `seconds`); the entry is cleared as soon as strace ends,
 * however it ends.
 */
export async function attachRecorded(
  pid: number,
  fault: SyscallFault,
  seconds: number,
  context: SystemContext,
): Promise<AttachedFault> {
  let seq: number | undefined;
  const record = (tracer: ProcessIdentity) => {
    seq = context.ledger.record({
      description: `attached strace to ${pid} injecting ${fault.syscall} ${fault.error ?? `+${fault.delayEnterMs} ms`}`,
      undo: { kind: 'stop-process', process: tracer },
    });
  };
  const settle = () => {
    if (seq !== undefined) context.ledger.settle(seq);
  };
  let attachedFault;
  try {
    attachedFault = await attachSyscallFault(pid, fault, seconds, record);
  } catch (error) {
    settle();
    throw error;
  }
  void attachedFault.ended.then(settle);
  return attachedFault;
}

/**
 * Runs a command under strace with the fault, recorded in the ledger while it runs (strace, which
 * passes a SIGTERM on to the command, and its log file), so `faultline halt` or `rollback` stops
 * it if the CLI was killed. `stop` (SIGINT, SIGTERM to the CLI) stops strace and so the command.
 */
export async function injectRecorded(
  injection: SyscallInjection,
  context: SystemContext,
  stop: AbortSignal,
): Promise<SyscallReport & { interrupted: boolean }> {
  const log = createTraceLog();
  const logSeq = context.ledger.record({
    description: `created strace's log ${log.path}`,
    undo: { kind: 'remove-file', ...log },
  });
  let running;
  try {
    running = startInjection(injection, log);
  } catch (error) {
    removeIdentified(log);
    context.ledger.settle(logSeq);
    throw error;
  }
  const tracerSeq = context.ledger.record({
    description: `ran ${injection.command.join(' ')} under strace injecting ${injection.syscall} ${injection.error ?? `+${injection.delayEnterMs} ms`}`,
    undo: { kind: 'stop-process', process: running.tracer },
  });
  const onStop = () => void stopProcess(running.tracer);
  if (stop.aborted) onStop();
  else stop.addEventListener('abort', onStop, { once: true });
  try {
    const report = await running.done;
    return { ...report, interrupted: stop.aborted };
  } finally {
    stop.removeEventListener('abort', onStop);
    context.ledger.settle(tracerSeq);
    context.ledger.settle(logSeq);
  }
}

const detaching = new Map<AttachedFault, Promise<Awaited<ReturnType<AttachedFault['detach']>>>>();

function detach(fault: AttachedFault) {
  let pending = detaching.get(fault);
  if (!pending) {
    pending = fault.detach();
    detaching.set(fault, pending);
    void pending.finally(() => attached.delete(fault));
  }
  return pending;
}
