import { z } from 'zod';
import {
  type Cgroup,
  type CgroupLimits,
  cgroupByName,
  cgroupStats,
  createCgroup,
  type MovedProcess,
  moveInto,
  originOf,
  removeCgroup,
} from '../cgroups.js';
import { oomKillsSince, uptimeSeconds } from '../kernel-log.js';
import { parseBytes } from '../units.js';
import { operation, type SystemContext, type SystemOperation } from './operation.js';
import { resolveTargets, targetFields } from './selector.js';

const limits = {
  name: z.string().min(1),
  cpuPercent: z.coerce.number().positive().max(100_000).optional(),
  memory: z.union([z.coerce.number(), z.string()]).optional(),
  pidsMax: z.coerce.number().int().min(1).optional(),
};

function limitsOf(args: {
  cpuPercent?: number | undefined;
  memory?: number | string | undefined;
  pidsMax?: number | undefined;
}): CgroupLimits {
  const result: CgroupLimits = {};
  if (args.cpuPercent !== undefined) result.cpuPercent = args.cpuPercent;
  if (args.memory !== undefined) result.memoryBytes = parseBytes(args.memory, 'memory');
  if (args.pidsMax !== undefined) result.pidsMax = args.pidsMax;
  return result;
}

/** The kernel-log time the run began reading from, so OOM probes only see this run's kills. */
const startedAt = uptimeSeconds();

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
    const group = create(args.name, limitsOf(args), context, []);
    return { name: group.name, version: group.version, directories: group.directories };
  }),

  /** Moves the chosen processes into a new limited group; the undo moves them back. */
  limit: operation('cgroup.limit', z.strictObject({ ...limits, ...targetFields }), async (args, context) => {
    const found = resolveTargets(args, 'limited');
    if (found.length === 0) throw new Error('no process matches, so nothing was limited');
    const moved = found.map((info) => originOf(info.pid));
    const group = create(args.name, limitsOf(args), context, moved);
    for (const info of found) moveInto(group, info.pid);
    return { name: group.name, version: group.version, processes: found };
  }),

  stats: operation('cgroup.stats', z.strictObject({ name: z.string().min(1) }), async (args) =>
    cgroupStats(cgroupByName(args.name)),
  ),

  /** Removes a group; every ledger entry that would remove it is cleared, so no rollback repeats it. */
  remove: operation('cgroup.remove', z.strictObject({ name: z.string().min(1) }), async (args, context) => {
    removeCgroup(cgroupByName(args.name));
    context.ledger.settleWhere((undo) => undo.kind === 'remove-cgroup' && undo.cgroup === args.name);
    return true;
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
