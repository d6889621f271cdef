import { z } from 'zod';
import { identify, signalName, signalNumber } from '../processes.js';
import { operation, type SystemOperation } from './operation.js';
import { resolveTargets, targetFields } from './selector.js';

const kill = z.strictObject({
  ...targetFields,
  signal: z.string().default('SIGTERM'),
  dryRun: z.boolean().default(false),
});
const pause = z.strictObject({ ...targetFields });

export const processOperations: Record<string, SystemOperation> = {
  kill: operation('process.kill', kill, async (args) => {
    const signal = signalNumber(args.signal);
    const found = resolveTargets(args, 'signalled');
    if (!args.dryRun) for (const info of found) process.kill(info.pid, signal);
    return found.map((info) => ({ ...info, signal: signalName(args.signal), sent: !args.dryRun }));
  }),

  /** SIGSTOP, recorded with a SIGCONT undo, so a rollback or `faultline rollback` resumes it. */
  pause: operation('process.pause', pause, async (args, context) => {
    const found = resolveTargets(args, 'paused');
    for (const info of found) {
      const identity = identify(info.pid);
      if (!identity) continue;
      process.kill(info.pid, 'SIGSTOP');
      context.ledger.record({
        description: `paused process ${info.pid} (${info.command.slice(0, 60)})`,
        undo: { kind: 'resume-process', process: identity },
      });
    }
    return found;
  }),

  /** SIGCONT; the pause entries of the processes resumed are cleared, so no rollback repeats it. */
  resume: operation('process.resume', pause, async (args, context) => {
    const found = resolveTargets(args, 'resumed');
    for (const info of found) process.kill(info.pid, 'SIGCONT');
    const pids = new Set(found.map((info) => info.pid));
    context.ledger.settleWhere((undo) => undo.kind === 'resume-process' && pids.has(undo.process.pid));
    return found;
  }),
};
