import { Command } from 'commander';
import { startRecordedStress } from '../system/operations/stress-operations.js';
import { example } from './context.js';
import { integer } from './integer-option.js';
import { EXIT } from './failure.js';
import { holdUntil, withCliLedger } from './system-action.js';
import { seconds } from './target-options.js';

type StressFlags = Record<string, unknown> & { time: number; cgroup?: string };

function stressSubcommand(kind: 'cpu' | 'memory' | 'disk' | 'io', description: string, sample: string) {
  const command = new Command(kind)
    .description(description)
    .requiredOption('-t, --time <seconds>', 'how long to stress (at most an hour)', seconds('-t'))
    .option('--cgroup <name>', 'start inside this faultline cgroup (see faultline cgroup create)')
    .addHelpText('after', example(sample));
  if (kind === 'cpu') {
    command
      .option('--workers <n>', 'busy threads', integer('--workers', 1, 256), 1)
      .option('--percent <n>', 'load of each worker, percent of one CPU', integer('--percent', 1, 100), 100);
  }
  if (kind === 'memory') {
    command
      .requiredOption('--bytes <size>', 'memory to allocate and touch, e.g. 512M')
      .option(
        '--ramp <seconds>',
        'spread the allocation over this many seconds',
        integer('--ramp', 0, 3600),
        0,
      )
      .option(
        '--force',
        "allocate more than the machine's available memory outside a memory-limited cgroup (refused otherwise: the kernel would OOM-kill processes anywhere)",
      );
  }
  if (kind === 'disk') {
    command
      .requiredOption('--path <dir>', 'directory to fill')
      .requiredOption('--bytes <size>', 'how much, e.g. 1G');
  }
  if (kind === 'io') {
    command
      .requiredOption('--path <dir>', 'directory to write in')
      .option('--block <size>', 'bytes per write', '4M')
      .option('--no-fsync', 'do not fsync after each write');
  }
  return command.action(async (flags: StressFlags) => {
    const args: Record<string, unknown> = {
      seconds: flags.time,
      ...(flags.cgroup ? { cgroup: flags.cgroup } : {}),
      ...(kind === 'cpu' ? { workers: flags.workers, percent: flags.percent } : {}),
      ...(kind === 'memory' ? { bytes: flags.bytes, rampSeconds: flags.ramp } : {}),
      ...(kind === 'memory' && flags.force === true ? { force: true } : {}),
      ...(kind === 'disk' ? { path: flags.path, bytes: flags.bytes } : {}),
      ...(kind === 'io' ? { path: flags.path, blockBytes: flags.block, fsync: flags.fsync } : {}),
    };
    await withCliLedger((context) => startRecordedStress(kind, args, context), {
      report: (stress) =>
        process.stderr.write(`faultline: stress pid ${stress.identity.pid}: ${stress.ready}\n`),
      hold: async (stress, interrupted) => {
        const finished = new AbortController();
        if (interrupted.aborted) finished.abort();
        else interrupted.addEventListener('abort', () => finished.abort(), { once: true });
        const ended = await Promise.race([stress.finished, holdUntil(undefined, finished.signal)]);
        finished.abort();
        if (typeof ended === 'string') return 'interrupted';
        // Killed before its time (the OOM killer, a kill) is a stress that did not run its course.
        if (ended.code !== 0) process.exitCode = EXIT.failed;
        const last = ended.reports.at(-1);
        return `stress ${ended.exit}${last ? `: ${last.detail}` : ''}`;
      },
    });
  });
}

export function stressCommand(): Command {
  return new Command('stress')
    .description('CPU, memory, disk and I/O stress, in a separate process that ends by itself')
    .addHelpText('after', example('faultline stress cpu --workers 2 --percent 80 -t 30'))
    .addCommand(
      stressSubcommand(
        'cpu',
        'busy workers at a target load',
        'faultline stress cpu --workers 2 --percent 80 -t 30',
      ),
    )
    .addCommand(
      stressSubcommand(
        'memory',
        'allocate memory and touch every page, so it is really resident',
        'faultline stress memory --bytes 512M -t 30 --cgroup small',
      ),
    )
    .addCommand(
      stressSubcommand(
        'disk',
        'fill a directory with one file, removed at the end',
        'faultline stress disk --path /tmp --bytes 1G -t 30',
      ),
    )
    .addCommand(
      stressSubcommand(
        'io',
        'write, fsync and delete in a loop',
        'faultline stress io --path /var/tmp -t 30',
      ),
    );
}
