import { z } from 'zod';
import { type AttachedFault, attachSyscallFault, type SyscallFault } from '../strace.js';
import { operation, type SystemContext, type SystemOperation } from './operation.js';
import { onlyOne, resolveTargets, targetFields } from './selector.js';

/** strace processes attached from this process, so `syscall.detach` ends them all. */
const attached = new Set<AttachedFault>();

const attach = z.strictObject({
  ...targetFields,
  syscall: z.string().min(1),
  error: z.string().optional(),
  delayMs: z.coerce.number().positive().max(60_000).optional(),
  when: z.string().optional(),
  /** Detaches by itself after this long, so a forgotten fault cannot outlive the run by much. */
  seconds: z.coerce.number().positive().max(3600),
});

export const syscallOperations: Record<string, SystemOperation> = {
  attach: operation('syscall.attach', attach, async (args, context) => {
    const target = onlyOne(resolveTargets(args, 'traced'), 'syscall.attach needs exactly one process');
    const fault = await attachRecorded(
      target.pid,
      {
        syscall: args.syscall,
        ...(args.error === undefined ? {} : { error: args.error }),
        ...(args.delayMs === undefined ? {} : { delayEnterMs: args.delayMs }),
        ...(args.when === undefined ? {} : { when: args.when }),
      },
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
      [...attached].map(async (fault) => ({ target: fault.target, injected: await detach(fault) })),
    );
    return results;
  }),
};

/**
 * Attaches strace with a ledger entry that stops it, so a crash leaves nothing attached for long;
 * the entry is cleared as soon as strace ends, however it ends.
 */
export async function attachRecorded(
  pid: number,
  fault: SyscallFault,
  context: SystemContext,
): Promise<AttachedFault> {
  const attachedFault = await attachSyscallFault(pid, fault);
  const seq = context.ledger.record({
    description: `attached strace to ${pid} injecting ${fault.syscall} ${fault.error ?? `+${fault.delayEnterMs} ms`}`,
    undo: { kind: 'stop-process', process: attachedFault.tracer },
  });
  void attachedFault.ended.then(() => context.ledger.settle(seq));
  return attachedFault;
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
