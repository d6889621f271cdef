import { z } from 'zod';
import { findTargets, type ProcessInfo, selectorFrom } from '../processes.js';

/** The fields every process-targeting action takes: exactly one way to choose, and a count guard. */
export const targetFields = {
  pid: z.coerce.number().int().positive().optional(),
  port: z.coerce.number().int().min(1).max(65535).optional(),
  match: z.string().min(1).optional(),
  pidfile: z.string().min(1).optional(),
  expect: z.coerce.number().int().min(0).optional(),
  /** Also match `faultline supervise` processes (left out by default: they share the command line). */
  includeSupervisors: z.boolean().optional(),
};

export interface TargetArgs {
  pid?: number | undefined;
  port?: number | undefined;
  match?: string | undefined;
  pidfile?: string | undefined;
  expect?: number | undefined;
  includeSupervisors?: boolean | undefined;
}

/**
 * The processes the arguments name. Refuses when `expect` is given and the count differs, and when
 * nothing matches and `expect` is not 0: a fault aimed at nothing is a mistake, not a success.
 */
export function resolveTargets(args: TargetArgs, verb: string, flag = (name: string) => name): ProcessInfo[] {
  const selector = selectorFrom(args);
  const { found, supervisors } = findTargets(selector, {
    includeSupervisors: args.includeSupervisors === true,
  });
  const left =
    supervisors.length === 0
      ? ''
      : `; left out ${supervisors.length} faultline supervisor(s) (${supervisors.map((info) => info.pid).join(', ')}): ${flag('includeSupervisors')} includes them`;
  if (args.expect !== undefined && found.length !== args.expect) {
    const listed = found.map((info) => `${info.pid} (${info.command.slice(0, 60)})`).join(', ');
    throw new Error(
      `${found.length} processes match but ${flag('expect')} ${args.expect}: nothing was ${verb}${listed ? `; matched: ${listed}` : ''}${left}`,
    );
  }
  if (found.length === 0 && args.expect === undefined) {
    const [key, value] = Object.entries(selector)[0]!;
    throw new Error(`no process matches ${flag(key)} ${JSON.stringify(value)}: nothing was ${verb}${left}`);
  }
  return found;
}

/** The one process among `found`; otherwise an error that starts with `what` and gives the count. */
export function onlyOne(found: ProcessInfo[], what: string): ProcessInfo {
  if (found.length !== 1) throw new Error(`${what}, but ${found.length} match`);
  return found[0]!;
}
