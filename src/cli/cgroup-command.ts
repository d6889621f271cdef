import { Command } from 'commander';
import {
  cgroupByName,
  cgroupExists,
  cgroupStats,
  type MovedProcess,
  validCgroupName,
} from '../system/cgroups.js';
import { cgroupOperations } from '../system/operations/cgroup-operations.js';
import { shortCommand } from '../system/processes.js';
import { formatBytes } from '../system/units.js';
import { example, out } from './context.js';
import { integer } from './integer-option.js';
import { holdFor, withCliLedger } from './system-action.js';
import { seconds, targetArgs, type TargetFlags, withTargetOptions } from './target-options.js';

interface LimitFlags extends TargetFlags {
  cpu?: number;
  memory?: string;
  pidsMax?: number;
  for?: number;
}

function limitOptions(command: Command): Command {
  return command
    .option(
      '--cpu <percent>',
      'CPU quota in percent of one CPU (50 = half a CPU)',
      integer('--cpu', 1, 100_000),
    )
    .option('--memory <size>', 'memory limit, e.g. 128M; past it the kernel OOM-kills')
    .option('--pids-max <n>', 'most processes the group may hold', integer('--pids-max', 1, 4_194_304));
}

function limits(flags: LimitFlags) {
  return {
    ...(flags.cpu === undefined ? {} : { cpuPercent: flags.cpu }),
    ...(flags.memory === undefined ? {} : { memory: flags.memory }),
    ...(flags.pidsMax === undefined ? {} : { pidsMax: flags.pidsMax }),
  };
}

const cgroupName = 'the cgroup faultline/NAME: 1-64 letters, digits, dot, dash or underscore';

export function cgroupCommand(): Command {
  const create = limitOptions(new Command('create'))
    .description('create an empty limited cgroup (faultline/NAME) for stress or supervised targets')
    .argument('<name>', cgroupName)
    .addHelpText('after', example('faultline cgroup create small --memory 128M --pids-max 64'))
    .action(async (name: string, flags: LimitFlags) => {
      await withCliLedger((context) => cgroupOperations.create!({ name, ...limits(flags) }, context), {
        report: () => out(`created faultline/${name}`),
      });
    });

  const limit = withTargetOptions(limitOptions(new Command('limit')))
    .description(
      'move processes into a new limited cgroup (refused if it exists); held for --for seconds, or until faultline rollback',
    )
    .argument('<name>', cgroupName)
    .option('--for <seconds>', 'hold the limit this long, then move the processes back', seconds('--for'))
    .addHelpText('after', example("faultline cgroup limit neighbour --match 'stress cpu' --cpu 50 --for 60"))
    .action(async (name: string, flags: LimitFlags) => {
      await withCliLedger(
        (context) => cgroupOperations.limit!({ name, ...limits(flags), ...targetArgs(flags) }, context),
        {
          hold: holdFor(flags.for),
          report: (result) => {
            const { processes } = result as { processes: Array<{ pid: number; command: string }> };
            for (const info of processes) out(`limited ${info.pid} (${shortCommand(info.command)})`);
          },
        },
      );
    });

  const stats = new Command('stats')
    .description('CPU throttling, memory use and OOM kills of a faultline cgroup')
    .argument('<name>', cgroupName)
    .option('--json', 'print JSON')
    .addHelpText('after', example('faultline cgroup stats small --json'))
    .action((name: string, flags: { json?: boolean }) => {
      const result = cgroupStats(cgroupByName(name));
      if (flags.json) return out(JSON.stringify(result, null, 2));
      out(`processes: ${result.processes.join(' ') || 'none'}`);
      if (result.cpu)
        out(
          `cpu: throttled in ${result.cpu.throttledPeriods} of ${result.cpu.periods} periods, ${result.cpu.throttledSeconds.toFixed(2)} s in all`,
        );
      if (result.memory)
        out(
          `memory: ${formatBytes(result.memory.usageBytes)} used, ${result.memory.limitBytes ? formatBytes(result.memory.limitBytes) : 'no'} limit, ${result.memory.oomKills} OOM kills`,
        );
    });

  const remove = new Command('remove')
    .description(
      'move the processes of a faultline cgroup back where they came from and remove it; refused while it holds a process started inside',
    )
    .argument('<name>', cgroupName)
    .addHelpText('after', example('faultline cgroup remove small'))
    .action(async (name: string) => {
      await withCliLedger((context) => cgroupOperations.remove!({ name }, context), {
        report: (result) => {
          const { movedBack } = result as { movedBack: MovedProcess[] };
          for (const { pid, from } of movedBack) {
            const where = Object.entries(from).map(([controller, path]) => `${controller}:${path}`);
            out(`moved ${pid} back to ${where.join(' ')}`);
          }
          out(`removed faultline/${name}`);
        },
      });
    });

  const oom = new Command('oom')
    .description('OOM kills in the kernel log, optionally of one faultline cgroup')
    .option('--name <cgroup>', 'only kills in this faultline cgroup')
    .option('--json', 'print JSON')
    .addHelpText('after', example('faultline cgroup oom --name hog'))
    .action(async (flags: { name?: string; json?: boolean }) => {
      const { oomKillsSince } = await import('../system/kernel-log.js');
      const name = flags.name === undefined ? undefined : validCgroupName(flags.name);
      const kills = oomKillsSince(0).filter((kill) => !name || kill.cgroup === `/faultline/${name}`);
      if (flags.json) return out(JSON.stringify(kills, null, 2));
      if (kills.length === 0) out(noKills(name));
      for (const kill of kills) out(`[${kill.at.toFixed(3)}] ${kill.line}`);
    });

  return new Command('cgroup')
    .description('cgroup limits on processes (v1 or v2, detected): CPU quota, memory limit, pids')
    .addHelpText('after', example("faultline cgroup limit neighbour --match 'stress' --cpu 50 --for 60"))
    .addCommand(create)
    .addCommand(limit)
    .addCommand(stats)
    .addCommand(remove)
    .addCommand(oom);
}

/**
 * What `cgroup oom` says when the log has no kill: of which cgroup, and whether that cgroup exists
 * now (a name mistyped reads otherwise as a cgroup that never ran out of memory; one removed since
 * keeps its kills in the log).
 */
function noKills(name: string | undefined): string {
  if (name === undefined) return 'no OOM kills in the kernel log';
  const exists = (() => {
    try {
      return cgroupExists(name);
    } catch {
      return true;
    }
  })();
  return `no OOM kills of faultline/${name} in the kernel log${exists ? '' : `; no cgroup faultline/${name} exists now (check the name: "faultline cgroup stats NAME" reads one)`}`;
}
