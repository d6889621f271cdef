import { Command, Option } from 'commander';
import { cgroupByName, commandInCgroup } from '../system/cgroups.js';
import { type RestartPolicy, type SupervisorEvent, supervise } from '../system/supervisor.js';
import { whyNotRunnable } from '../system/executable.js';
import { example, UsageError } from './context.js';
import { integer } from './integer-option.js';
import { holdUntil } from './system-action.js';

function describe(event: SupervisorEvent, command: string): string {
  switch (event.type) {
    case 'started':
      return `started ${command} as pid ${event.pid} (start ${event.start})`;
    case 'exited':
      return `pid ${event.pid} ${event.description}`;
    case 'restarting':
      return `restarting in ${event.delayMs} ms`;
    case 'failed':
      return `failed (${event.reason}): ${event.detail}`;
    case 'stopped':
      return 'stopped';
  }
}

export function superviseCommand(): Command {
  return new Command('supervise')
    .description(
      'run a test target and restart it by policy, like a systemd service (Restart=, StartLimitBurst=)',
    )
    .argument('<command...>', "the command and its arguments (options after it are the command's)")
    .passThroughOptions()
    .addOption(
      new Option('--restart <when>', 'when to restart')
        .choices(['always', 'on-failure', 'never'])
        .default('always'),
    )
    .option(
      '--restart-delay <ms>',
      "wait before a restart (systemd's RestartSec)",
      integer('--restart-delay', 0, 3_600_000),
      100,
    )
    .option(
      '--start-limit-burst <n>',
      'most starts within the interval',
      integer('--start-limit-burst', 1, 1_000_000),
      5,
    )
    .option(
      '--start-limit-interval <seconds>',
      'the start-limit window; 0 turns the limit off',
      integer('--start-limit-interval', 0, 86_400),
      10,
    )
    .option('--pidfile <file>', "keep the live instance's pid here (for process kill --pidfile)")
    .option('--cgroup <name>', 'start every instance inside this faultline cgroup')
    .addHelpText(
      'after',
      example(
        'faultline supervise --pidfile /tmp/api.pid --start-limit-burst 5 -- node server.js --port 8001',
      ),
    )
    .action(
      async (
        command: string[],
        flags: {
          restart: RestartPolicy['restart'];
          restartDelay: number;
          startLimitBurst: number;
          startLimitInterval: number;
          pidfile?: string;
          cgroup?: string;
        },
      ) => {
        const name = command.join(' ');
        const problem = whyNotRunnable(command[0]!);
        if (problem !== undefined)
          throw new UsageError(`cannot supervise ${name}: ${problem}; nothing was started`);
        const run = flags.cgroup ? commandInCgroup(cgroupByName(flags.cgroup), command) : command;
        const supervised = supervise(run, {
          policy: {
            restart: flags.restart,
            restartDelayMs: flags.restartDelay,
            startLimitBurst: flags.startLimitBurst,
            startLimitIntervalMs: flags.startLimitInterval * 1000,
          },
          ...(flags.pidfile ? { pidfile: flags.pidfile } : {}),
          onEvent: (event) => process.stderr.write(`faultline supervise: ${describe(event, name)}\n`),
        });
        const stop = new AbortController();
        const interrupted = holdUntil(undefined, stop.signal).then(async (how) => {
          if (how === 'signal') await supervised.stop();
        });
        const final = await supervised.done;
        stop.abort();
        await interrupted;
        process.exitCode = final === 'failed' ? 1 : 0;
      },
    );
}
