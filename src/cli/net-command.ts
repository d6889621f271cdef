import { Command } from 'commander';
import { describeLabProcesses, execIn, type LabProcess, loadLab } from '../system/netlab.js';
import { netOperations } from '../system/operations/net-operations.js';
import { whyNotRunnable } from '../system/executable.js';
import { NETEM_ARGUMENTS } from '../system/netem-settings.js';
import { TIME_RULE } from '../system/netem-values.js';
import { example, out, table, UsageError } from './context.js';
import { holdFor, withCliLedger } from './system-action.js';
import { seconds } from './target-options.js';

const labArgument = 'the lab, as named to net create';
const hostDescriptions: Record<string, string> = {
  host: 'a host of the lab, as named in net create --hosts',
  from: 'one host of the lab, as named in net create --hosts',
  to: 'the other host: traffic both ways between the two is dropped',
};

const forOption = ['--for <seconds>', 'hold the fault this long, then undo it', seconds('--for')] as const;

/** A lab fault command: `<lab>` and its host arguments, held with --for or left for faultline rollback. */
function fault(
  name: string,
  hostArguments: string[],
  description: string,
  sample: string,
  toArgs: (lab: string, hosts: string[], flags: Record<string, unknown>) => Record<string, unknown>,
  options: (command: Command) => Command = (command) => command,
  done: (result: unknown, lab: string, hosts: string[]) => string = () => `${name}: done`,
): Command {
  const command = new Command(name).description(description).argument('<lab>', labArgument);
  for (const argument of hostArguments) command.argument(`<${argument}>`, hostDescriptions[argument]);
  return options(command)
    .option(...forOption)
    .addHelpText('after', example(sample))
    .action(async () => {
      const [lab = '', ...hosts] = command.processedArgs as string[];
      const flags = command.opts<Record<string, unknown>>();
      await withCliLedger((context) => netOperations[name]!(toArgs(lab, hosts, flags), context), {
        hold: holdFor(flags.for as number | undefined),
        report: (result) => out(done(result, lab, hosts)),
      });
    });
}

export function netCommand(): Command {
  const create = new Command('create')
    .description('create a lab: one network namespace per host, joined by veth pairs to a bridge')
    .argument('<lab>', 'lab name, 1-8 lower-case letters or digits')
    .requiredOption('--hosts <names>', 'comma-separated host names, e.g. a,b,c')
    .option('--subnet <cidr>', 'a /24 for the hosts (default 10.213.N.0/24 from the name)')
    .addHelpText('after', example('faultline net create lab --hosts a,b,c'))
    .action(async (lab: string, flags: { hosts: string; subnet?: string }) => {
      await withCliLedger(
        (context) =>
          netOperations.create!(
            { lab, hosts: flags.hosts.split(','), ...(flags.subnet ? { subnet: flags.subnet } : {}) },
            context,
          ),
        { report: () => showLab(lab) },
      );
    });

  const show = new Command('show')
    .description('hosts, namespaces and addresses of a lab')
    .argument('<lab>', labArgument)
    .addHelpText('after', example('faultline net show lab'))
    .action(showLab);
  const destroy = new Command('destroy')
    .description('remove every namespace of a lab (refused while processes run in it, unless --force)')
    .argument('<lab>', labArgument)
    .option('--force', 'stop the processes running in the lab first (SIGTERM, then SIGKILL after 2 s)')
    .addHelpText('after', example('faultline net destroy lab --force'))
    .action(async (lab: string, flags: { force?: boolean }) => {
      await withCliLedger(
        (context) =>
          netOperations.destroy!({ lab, force: flags.force === true }, context) as Promise<{
            stopped: LabProcess[];
          }>,
        {
          report: ({ stopped }) =>
            out(
              `destroyed ${lab}${stopped.length > 0 ? `, after stopping ${describeLabProcesses(stopped)}` : ''}`,
            ),
        },
      );
    });
  const heal = new Command('heal')
    .description('remove every partition, limit and delay in a lab')
    .argument('<lab>', labArgument)
    .addHelpText('after', example('faultline net heal lab'))
    .action(async (lab: string) => {
      await withCliLedger((context) => netOperations.heal!({ lab }, context), {
        report: () => out(`healed ${lab}`),
      });
    });

  const partition = fault(
    'partition',
    ['from', 'to'],
    'drop every packet between two hosts (switch-port filters: no error, as on a cut cable)',
    'faultline net partition lab a b --for 30',
    (lab, [from, to], flags) => ({ lab, from, to, oneWay: flags.oneWay === true }),
    (command) => command.option('--one-way', 'only from -> to'),
  );
  const isolate = fault(
    'isolate',
    ['host'],
    'cut one host off from all the others',
    'faultline net isolate lab a --for 30',
    (lab, [host]) => ({ lab, host }),
  );
  const limit = fault(
    'limit',
    ['host'],
    'limit what a host sends and receives, with tbf',
    'faultline net limit lab a --rate 1mbit --for 60',
    (lab, [host], flags) => ({ lab, host, rate: flags.rate }),
    (command) => command.requiredOption('--rate <rate>', 'tc units: 512kbit, 10mbit, 1mbps'),
  );
  const delay = fault(
    'delay',
    ['host'],
    "add latency, jitter, loss, duplication, corruption, reordering or a rate with tc netem, where the kernel has it (netem's own rules are checked before tc runs)",
    'faultline net delay lab a --ms 100 --jitter 10ms --distribution normal --loss 1 --for 60',
    (lab, [host], flags) => ({ lab, host, ...netemFlags(flags) }),
    (command) =>
      command
        .option('--ms <time>', `the delay (netem: delay TIME): ${TIME_RULE}`)
        .option('--jitter <time>', 'delay variation, in the units of --ms (a bare number is ms); needs --ms')
        .option(
          '--correlation <percent>',
          "how much a packet's jitter follows the last one's; needs --jitter",
        )
        .option(
          '--distribution <name>',
          'shape of the jitter: normal, pareto, paretonormal, uniform; needs --jitter',
        )
        .option('--loss <percent>', 'drop this share of packets at random (netem: loss random PERCENT)')
        .option('--loss-correlation <percent>', 'how much each loss follows the last; needs --loss')
        .option(
          '--loss-state <p13,p31,p32,p23,p14>',
          '4-state Markov loss: 1 to 5 percentages (netem: loss state; not with --loss)',
        )
        .option('--loss-gemodel <p,r,1-h,1-k>', 'Gilbert-Elliott loss: 1 to 4 percentages (not with --loss)')
        .option('--ecn', 'mark packets with ECN instead of dropping them; needs a loss model')
        .option('--duplicate <percent>', 'send this share of packets twice')
        .option('--duplicate-correlation <percent>', 'correlation of --duplicate')
        .option('--corrupt <percent>', 'flip a random bit in this share of packets')
        .option('--corrupt-correlation <percent>', 'correlation of --corrupt')
        .option(
          '--reorder <percent>',
          'send this share of packets at once, the rest after the delay; needs --ms',
        )
        .option('--reorder-correlation <percent>', 'correlation of --reorder')
        .option('--gap <packets>', 'reorder every Nth packet (netem: reorder PERCENT gap N); needs --reorder')
        .option('--rate <rate>', 'netem rate, tc units: 512kbit, 10mbit, 1mbps')
        .option(
          '--rate-packet-overhead <bytes>',
          'bytes added to (or, negative, taken from) each packet; needs --rate',
        )
        .option('--rate-cell-size <bytes>', 'link-layer cell size, such as 48 for ATM; needs --rate')
        .option('--rate-cell-overhead <bytes>', 'bytes added to each cell; needs --rate-cell-size')
        .option(
          '--slot <min[,max]>',
          'deliver packets in slots, each MIN to MAX after the last (netem: slot); units of --ms',
        )
        .option(
          '--slot-distribution <name>',
          'slots spread by a distribution around --slot; needs --slot-jitter',
        )
        .option('--slot-jitter <time>', 'the spread of --slot-distribution, in the units of --ms')
        .option('--slot-packets <n>', 'most packets delivered per slot; needs --slot')
        .option('--slot-bytes <n>', 'most bytes delivered per slot; needs --slot')
        .option('--limit <packets>', 'most packets netem holds queued (netem: limit PACKETS)'),
    (result, lab, [host]) => `delay: netem ${String(result)} on host ${host} in lab ${lab}`,
  );

  const exec = new Command('exec')
    .description('run a command inside a host of a lab')
    .argument('<lab>', labArgument)
    .argument('<host>', hostDescriptions.host)
    .argument('<command...>', 'the command and its arguments (options after <host> are its own)')
    .passThroughOptions()
    .addHelpText('after', example('faultline net exec lab a ping -c1 10.213.7.3'))
    .action(async (lab: string, host: string, written: string[]) => {
      // Options stop at <lab>, so a `--` written before the command reaches us as its first word.
      const command = written[0] === '--' ? written.slice(1) : written;
      if (command.length === 0)
        throw new UsageError(`net exec ${lab} ${host}: give the command to run after the host`);
      const loaded = loadLab(lab);
      const problem = whyNotRunnable(command[0]!);
      if (problem !== undefined)
        throw new UsageError(`cannot run ${command.join(' ')}: ${problem}; nothing was started`);
      process.exitCode = await execIn(loaded, host, command);
    });

  return new Command('net')
    .enablePositionalOptions()
    .description('network faults below the proxy: namespaces joined by veth pairs, partitions, tbf limits')
    .addHelpText(
      'after',
      example('faultline net create lab --hosts a,b,c && faultline net partition lab a b --for 30'),
    )
    .addCommand(create)
    .addCommand(show)
    .addCommand(partition)
    .addCommand(isolate)
    .addCommand(limit)
    .addCommand(delay)
    .addCommand(heal)
    .addCommand(exec)
    .addCommand(destroy);
}

/** The netem flags given, named as net.delay's arguments (commander camel-cases them already). */
function netemFlags(flags: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    NETEM_ARGUMENTS.filter((key) => flags[key] !== undefined).map((key) => [key, flags[key]]),
  );
}

function showLab(name: string) {
  const lab = loadLab(name);
  out(
    table(
      ['HOST', 'NAMESPACE', 'ADDRESS'],
      lab.hosts.map((host) => [host.name, host.namespace, host.address]),
    ),
  );
}
