import { z } from 'zod';
import { findProcesses, type ProcessInfo, selectorFrom } from '../processes.js';

/** The fields every process-targeting action takes: exactly one way to choose, and a count guard. */
export const targetFields = {
  pid: z.coerce.number().int().positive().optional(),
  port: z.coerce.number().int().min(1).max(65535).optional(),
  match: z.string().min(1).optional(),
  pidfile: z.string().min(1).optional(),
  expect: z.coerce.number().int().min(0).optional(),
};

export interface TargetArgs {
  pid?: number | undefined;
  port?: number | undefined;
  match?: string | undefined;
  pidfile?: string | undefined;
  expect?: number | undefined;
}

/** The processes the arguments name; refuses when `expect` is given and the count differs. */
export function resolveTargets(args: TargetArgs, verb: string): ProcessInfo[] {
  const found = findProcesses(selectorFrom(args));
  if (args.expect !== undefined && found.length !== args.expect) {
    const listed = found.map((info) => `${info.pid} (${info.command.slice(0, 60)})`).join(', ');
    throw new Error(
      `${found.length} processes match but expect is ${args.expect}: nothing was ${verb}${listed ? `; matched: ${listed}` : ''}`,
    );
  }
  return found;
}

/** The one process among `found`; otherwise an error that starts with `what` and gives the count. */
export function onlyOne(found: ProcessInfo[], what: string): ProcessInfo {
  if (found.length !== 1) throw new Error(`${what}, but ${found.length} match`);
  return found[0]!;
}
