import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { numberArgument } from '../number-argument.js';
import {
  type Cgroup,
  type CgroupLimits,
  cgroupByName,
  cgroupExists,
  cgroupStats,
  createCgroup,
  limitsLeftBehind,
  type MovedProcess,
  moveInto,
  originOf,
  processesOf,
  removeCgroup,
  validCgroupName,
  withDescendants,
} from '../cgroups.js';
import type { Undo } from '../../model/ledger.js';
import { oomKillsSince, uptimeSeconds } from '../kernel-log.js';
import { FaultlineError } from '../../model/errors.js';
import { findProcesses, type ProcessInfo, shortCommand } from '../processes.js';
import { parseProcessStatus } from '../proc-parsers.js';
import { formatBytes, parseBytes } from '../units.js';
import { operation, type SystemContext, type SystemOperation } from './operation.js';
import { resolveTargets, targetFields } from './selector.js';

const limits = {
  name: z.string().min(1),
  cpuPercent: numberArgument(
    z
      .number()
      .min(1, {
        error:
          'cpuPercent is a percentage of one CPU (50 is half a CPU, 200 two), at least 1: the kernel takes no quota under 1 ms per 100 ms period, and 0.5 would be half of one percent, not half a CPU',
      })
      .max(100_000),
  ).optional(),
  memory: z.union([z.number(), z.string()]).optional(),
  pidsMax: numberArgument(z.number().int().min(1)).optional(),
};

/** The kernel counts memory in pages and rounds a limit down to whole ones. */
const PAGE_BYTES = 4096;

function limitsOf(args: {
  cpuPercent?: number | undefined;
  memory?: number | string | undefined;
  pidsMax?: number | undefined;
}): CgroupLimits {
  const result: CgroupLimits = {};
  if (args.cpuPercent !== undefined) result.cpuPercent = args.cpuPercent;
  if (args.memory !== undefined) result.memoryBytes = memoryBytes(args.memory);
  if (args.pidsMax !== undefined) result.pidsMax = args.pidsMax;
  return result;
}

export function memoryBytes(memory: number | string): number {
  let bytes: number;
  try {
    bytes = parseBytes(memory, 'memory');
  } catch (error) {
    throw refusal((error as Error).message);
  }
  if (bytes < PAGE_BYTES)
    throw refusal(
      `memory ${JSON.stringify(memory)} is ${bytes} bytes, less than one page (${PAGE_BYTES} bytes), and the kernel would round it down to a limit of 0; give at least 4k (a process needs about 1M to start at all)`,
    );
  return bytes;
}

/** Refused before anything was changed: bad input, exit 2 on the command line. */
const refusal = (message: string) => new FaultlineError('FAULTLINE_ERR_INVALID_FIELD', message);

function describePid(pid: number): string {
  const [info] = findProcesses({ pid });
  return info ? `pid ${pid}: ${shortCommand(info.command)}` : `pid ${pid}`;
}

/**
 * The kernel moves no memory charge with a process (cgroup v2 never does; v1's
 * move_charge_at_immigrate is gone from recent kernels): what it holds stays counted where it came
 * from, and a limit below it neither reclaims nor OOM-kills. Said, so a limit that seems to do
 * nothing is understood.
 */
function warnOfHeldMemory(info: ProcessInfo, name: string, limit: number, context: SystemContext): void {
  let held: number | undefined;
  try {
    held = parseProcessStatus(readFileSync(`/proc/${info.pid}/status`, 'utf8')).VmRSS;
  } catch {
    return; // It has exited: it holds nothing.
  }
  if (!held) return;
  context.warn(
    `${info.pid} (${shortCommand(info.command)}) holds ${formatBytes(held)} already: that memory stays charged to the memory cgroup it came from (the kernel moves no charge with a process), so the ${formatBytes(limit)} limit counts only what it allocates from now on; to limit all of its memory, start it inside the group (faultline supervise --cgroup ${name}, stress --cgroup ${name})`,
  );
}

/**
 * faultline/NAME sits at the top of the hierarchy, so a process moved in leaves the limits of the
 * cgroup it came from (a service's or a container's) until it goes back. Said, since that can
 * loosen what the operator meant to tighten.
 */
function warnOfLimitsLeft(info: ProcessInfo, group: Cgroup, origin: MovedProcess, context: SystemContext) {
  for (const left of limitsLeftBehind(group, origin))
    context.warn(
      `${info.pid} (${shortCommand(info.command)}) leaves the ${left.controller} limit of ${left.path} (${left.limit}) while it is in faultline/${group.name}: only the limits given here apply to it until it goes back`,
    );
}

/** The kernel-log time the run began reading from, so OOM probes only see this run's kills. */
const startedAt = uptimeSeconds();

/** Refuses a group that exists: creating it again would change the limits of whatever uses it. */
function refuseExisting(name: string): void {
  if (cgroupExists(name))
    throw refusal(
      `faultline/${name} exists already, so nothing was created or changed; choose another name, or remove it first (faultline cgroup stats ${name} shows what it holds, faultline cgroup remove ${name} removes it)`,
    );
}

function create(name: string, wanted: CgroupLimits, context: SystemContext, moved: MovedProcess[]): Cgroup {
  const group = createCgroup(name, wanted);
  context.ledger.record({
    description: `created cgroup faultline/${name}${moved.length ? ` for ${moved.map((entry) => entry.pid).join(', ')}` : ''}`,
    undo: { kind: 'remove-cgroup', cgroup: group.name, moved },
  });
  return group;
}

export const cgroupOperations: Record<string, SystemOperation> = {
  /** An empty limited group, for stress or supervised targets started inside it. */
  create: operation('cgroup.create', z.strictObject(limits), async (args, context) => {
    validCgroupName(args.name);
    const wanted = limitsOf(args);
    if (Object.keys(wanted).length === 0)
      throw refusal(
        'give a limit (cpuPercent, memory or pidsMax; on the command line --cpu, --memory or --pids-max): a group without one limits nothing, so nothing was created',
      );
    refuseExisting(args.name);
    const group = create(args.name, wanted, context, []);
    return { name: group.name, version: group.version, directories: group.directories };
  }),

  /** Moves the chosen processes into a new limited group; the undo moves them back. */
  limit: operation('cgroup.limit', z.strictObject({ ...limits, ...targetFields }), async (args, context) => {
    const wanted = limitsOf(args);
    if (Object.keys(wanted).length === 0)
      throw refusal(
        'give a limit (cpuPercent, memory or pidsMax; on the command line --cpu, --memory or --pids-max): without one the processes would be moved and nothing limited, so nothing was done',
      );
    refuseExisting(args.name);
    let found;
    try {
      found = resolveTargets(args, 'limited', undefined, { warn: context.warn });
    } catch (error) {
      throw refusal((error as Error).message);
    }
    if (found.length === 0) throw refusal('no process matches, so nothing was limited');
    const moved = found.map((info) => originOf(info.pid));
    const group = create(args.name, wanted, context, moved);
    for (const info of found) moveInto(group, info.pid);
    for (const [index, info] of found.entries())
      warnOfLimitsLeft(info, group, moved[index] as MovedProcess, context);
    if (wanted.memoryBytes !== undefined)
      for (const info of found) warnOfHeldMemory(info, args.name, wanted.memoryBytes, context);
    return { name: group.name, version: group.version, processes: found };
  }),

  stats: operation('cgroup.stats', z.strictObject({ name: z.string().min(1) }), async (args) =>
    cgroupStats(cgroupByName(args.name)),
  ),

  /**
   * Removes a group as its undo would: each process moved in goes back where the ledger says it
   * came from. A process the ledger has no origin for (one started inside) is not moved anywhere
   * by guess: the removal is refused. Every entry that would remove the group is then cleared.
   */
  remove: operation('cgroup.remove', z.strictObject({ name: z.string().min(1) }), async (args, context) => {
    const group = cgroupByName(args.name);
    const removes = (undo: Undo) => undo.kind === 'remove-cgroup' && undo.cgroup === args.name;
    const moved = withDescendants(
      group,
      context.ledger.liveWhere(removes).flatMap((undo) => (undo.kind === 'remove-cgroup' ? undo.moved : [])),
    );
    const origins = new Set(moved.map((entry) => entry.pid));
    const strangers = processesOf(group).filter((pid) => !origins.has(pid));
    if (strangers.length > 0)
      throw refusal(
        `faultline/${args.name} holds processes faultline did not move there (${strangers.map(describePid).join(', ')}): no origin is recorded to put them back, so nothing was removed; stop them (faultline rollback stops a stress faultline started in the group), then remove it`,
      );
    const inside = new Set(processesOf(group));
    removeCgroup(group, moved);
    context.ledger.settleWhere(removes);
    const backUnder = (entry: MovedProcess): MovedProcess => ({
      pid: entry.pid,
      from: Object.fromEntries(
        Object.entries(entry.from).filter(([controller]) => controller in group.directories),
      ),
    });
    return { name: args.name, movedBack: moved.filter((entry) => inside.has(entry.pid)).map(backUnder) };
  }),

  /** OOM kills in the kernel log since this runner started, optionally only those of one group. */
  oom_kills: operation(
    'cgroup.oom_kills',
    z.strictObject({ name: z.string().min(1).optional() }),
    async (args) => {
      const kills = oomKillsSince(startedAt);
      if (args.name === undefined) return kills;
      return kills.filter((kill) => kill.cgroup === `/faultline/${args.name}`);
    },
  ),
};
