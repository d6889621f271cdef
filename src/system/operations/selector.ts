import { z } from 'zod';
import { ancestorsOf } from '../ancestors.js';
import { numberArgument } from '../number-argument.js';
import { findTargets, type ProcessInfo, selectorFrom, shortCommand, unseenListener } from '../processes.js';

/** The fields every process-choosing action takes: exactly one way to choose, and a count guard. */
export const readTargetFields = {
  pid: numberArgument(z.number().int().positive()).optional(),
  port: numberArgument(z.number().int().min(1).max(65535)).optional(),
  match: z.string().min(1).optional(),
  pidfile: z.string().min(1).optional(),
  expect: numberArgument(z.number().int().min(0)).optional(),
  /** Also match `faultline supervise` processes (left out by default: they share the command line). */
  includeSupervisors: z.boolean().optional(),
};

/** The fields of a fault on processes: also `force`, to act on pid 1 or on a process that runs faultline. */
export const targetFields = { ...readTargetFields, force: z.boolean().optional() };

export interface TargetArgs {
  pid?: number | undefined;
  port?: number | undefined;
  match?: string | undefined;
  pidfile?: string | undefined;
  expect?: number | undefined;
  includeSupervisors?: boolean | undefined;
  force?: boolean | undefined;
}

/**
 * The processes the arguments name. Refuses when `expect` is given and the count differs, and when
 * nothing matches and `expect` is not 0: a fault aimed at nothing is a mistake, not a success.
 * A fault (`protect`, the default) is also refused on pid 1 and on the processes that run
 * faultline (its parent and theirs) unless `force`, and always on faultline itself. Supervisors
 * and ancestors a match left out are named through `warn`, so a selector that matched them is
 * never narrowed in silence.
 * `allowNone` returns no processes instead of refusing, whatever `expect` says (a kill loop's
 * later rounds, where a supervisor may be between restarts).
 */
export function resolveTargets(
  args: TargetArgs,
  verb: string,
  flag = (name: string) => name,
  options: { protect?: boolean; warn?: (message: string) => void; allowNone?: boolean } = {},
): ProcessInfo[] {
  const selector = selectorFrom(args);
  if ('pid' in selector && selector.pid === process.pid)
    throw new Error(`pid ${selector.pid} is this faultline process itself: nothing was ${verb}`);
  const { found, supervisors, ancestors } = findTargets(selector, {
    includeSupervisors: args.includeSupervisors === true,
  });
  const notes = [
    ...(supervisors.length === 0
      ? []
      : [
          `left out ${supervisors.length} faultline supervisor(s) (${supervisors.map((info) => info.pid).join(', ')}): ${flag('includeSupervisors')} includes them`,
        ]),
    ...(ancestors.length === 0
      ? []
      : [
          `left out ${ancestors.map((info) => `${info.pid} (${shortCommand(info.command)})`).join(', ')}, which ${ancestors.length === 1 ? 'runs' : 'run'} faultline: name ${ancestors.length === 1 ? 'it' : 'one'} with ${flag('pid')} and add ${flag('force')} if you mean it`,
        ]),
  ];
  const leftOut = notes.join('; ');
  const unseen = found.length === 0 && 'port' in selector ? unseenListener(selector.port) : '';
  const left = (notes.length === 0 ? '' : `; ${leftOut}`) + (unseen === '' ? '' : `; ${unseen}`);
  if (found.length === 0 && options.allowNone === true) {
    if (notes.length > 0) options.warn?.(`${leftOut}; not ${verb}`);
    return [];
  }
  if (args.expect !== undefined && found.length !== args.expect) {
    const listed = found.map((info) => `${info.pid} (${shortCommand(info.command)})`).join(', ');
    throw new Error(
      `${found.length} processes match but ${flag('expect')} ${args.expect}: nothing was ${verb}${listed ? `; matched: ${listed}` : ''}${left}`,
    );
  }
  if (found.length === 0 && args.expect === undefined) {
    const [key, value] = Object.entries(selector)[0]!;
    throw new Error(`no process matches ${flag(key)} ${JSON.stringify(value)}: nothing was ${verb}${left}`);
  }
  const guarded = options.protect === false || args.force === true ? [] : found.filter(isProtected);
  if (guarded.length > 0) {
    const named = guarded.map((info) => `${info.pid} (${shortCommand(info.command)}, ${roleOf(info.pid)})`);
    throw new Error(
      `refused to touch ${named.join(' and ')}: nothing was ${verb}; choose the processes more narrowly, or add ${flag('force')} if you mean it`,
    );
  }
  if (notes.length > 0) options.warn?.(`${leftOut}; not ${verb}`);
  return found;
}

const isProtected = (info: ProcessInfo) => info.pid === 1 || ancestorsOf().includes(info.pid);

const roleOf = (pid: number) =>
  pid === 1
    ? 'the init process: stopping it can take the machine or container down'
    : pid === process.ppid
      ? 'the process that started faultline'
      : 'a process that runs faultline (its parent is below it)';

/** The one process among `found`; otherwise an error that starts with `what` and gives the count. */
export function onlyOne(found: ProcessInfo[], what: string): ProcessInfo {
  if (found.length !== 1) throw new Error(`${what}, but ${found.length} match`);
  return found[0]!;
}
