import { Command } from 'commander';
import { versionLine } from '../version.js';
import { chaosGlobalsHelp, takeChaosGlobals } from './chaos-globals.js';
import { suggestChoices } from './choice-suggestion.js';
import type { CommandEntry } from './command-table.js';
import { collectAttribute, hostOption, isClientCommand, UsageError } from './context.js';
import { keepGoingWhenOutputCloses } from './closed-output.js';
import { goServerFlag, goStreamFlag } from './go-bool-flags.js';

/** Which commands to load for these arguments: see entriesFor in command-table.ts. */
export type CommandChoice = (args: readonly string[]) => readonly CommandEntry[];

async function buildProgram(entriesFor: CommandChoice, argv: string[]): Promise<Command> {
  const program = new Command('faultline')
    .description('Chaos engineering for developers and CI: a Toxiproxy-compatible fault proxy and its CLI.')
    // GET /version answers the Toxiproxy API version clients compare, so both are named here.
    .version(versionLine, '-v, --version')
    // -h is --host, as in toxiproxy-cli; help is --help only.
    .helpOption('--help', 'show help')
    // No .env(): serverUrlFor reads FAULTLINE_URL, then TOXIPROXY_URL, as the help says.
    .addOption(hostOption())
    // Options before the command are the program's, after it the command's: so `server --host`
    // is the listen address and never the client's server URL.
    .enablePositionalOptions()
    .addHelpText('after', chaosGlobalsHelp);
  // Only the command that runs is imported (see command-table.ts).
  for (const entry of entriesFor(argv.slice(2))) program.addCommand(await entry.load(() => program));
  program.hook('preAction', (_program, action) => refuseMisplacedHost(program, action));
  return inheritSettings(program);
}

/** A global --host given to a command that does not talk to a server would be dropped: refuse it. */
function refuseMisplacedHost(program: Command, action: Command): void {
  if (program.getOptionValueSource('host') !== 'cli' || isClientCommand(action)) return;
  // The whole command ("stress cpu", not "cpu"), without the program's name.
  const name = commandPath(action).split(' ').slice(1).join(' ');
  const listens = ['server', 'browser-proxy'].includes(name);
  throw new UsageError(
    listens
      ? `--host before "${name}" is the control API URL of client commands, which "${name}" does not use; ` +
          `to choose the address it listens on, put it after the command: faultline ${name} --host ADDRESS`
      : `--host (the control API URL of client commands) does not apply to "${name}"; remove it`,
  );
}

function inheritSettings(command: Command): Command {
  command
    .helpOption('--help', 'show help')
    .exitOverride()
    .configureOutput({
      outputError: (text, write) => write(`faultline: ${text.replace(/^error: /, '')}`),
    })
    .showHelpAfterError(`(run "${commandPath(command)} --help" for usage)`);
  if (command.commands.length > 0) sayWhatIsMissing(command);
  refuseConflictingRepeats(command);
  suggestChoices(command);
  for (const sub of command.commands) inheritSettings(sub);
  return command;
}

/**
 * A group run without its command (`faultline toxic`, or `faultline` alone) did nothing, so
 * commander's help goes to stderr and the exit is 2 (see failure.ts), never 0: a script running
 * `faultline toxic $EMPTY` must not pass. This line after the help says what was wrong.
 */
function sayWhatIsMissing(command: Command): void {
  command.addHelpText('after', ({ error }) => {
    if (!error) return '';
    if (!command.parent) return '\nfaultline: no command given; run one of the commands listed above';
    const choices = command.commands.map((sub) => sub.name());
    return `\nfaultline: "${commandPath(command)}" needs a command: ${choices.join(', ')}`;
  });
}

const commandPath = (command: Command): string =>
  command.parent ? `${commandPath(command.parent)} ${command.name()}` : command.name();

/** An option that takes one value, given twice with different values, is ambiguous: refuse it. */
function refuseConflictingRepeats(command: Command): void {
  for (const option of command.options) {
    const repeatable =
      option.variadic ||
      Array.isArray(option.defaultValue) ||
      (option.parseArg?.length ?? 0) >= 2 ||
      option.parseArg === collectAttribute ||
      !(option.required || option.optional);
    if (repeatable) continue;
    let seen: string | undefined;
    command.on(`option:${option.name()}`, (value: string) => {
      if (seen !== undefined && seen !== value) {
        throw new UsageError(
          `${option.long ?? option.short} is given twice with different values ("${seen}" and "${value}"); give it once`,
        );
      }
      seen = value;
    });
  }
}

const toxiproxyServerFlags = [
  'host',
  'port',
  'config',
  'seed',
  'proxy-metrics',
  'runtime-metrics',
  'version',
];

/** toxiproxy-cli's long flags, which Go's flag parsing also takes with one dash ("-upstream=…"). */
const toxiproxyCliFlags = ['listen', 'upstream', 'downstream', 'type', 'toxicName', 'toxicity', 'attribute'];

/** Commands that run another command: what follows that command is its own (see net exec). */
const commandRunners = ['supervise', 'net', 'syscall'];

/**
 * toxiproxy-cli spells toxicity "-tox"; toxiproxy-server takes Go's single-dash "-host",
 * "-port", "-config", "-seed", "-proxy-metrics", "-runtime-metrics" and "-version" (also as "-port=8474").
 * Go's flag parsing (urfave/cli's too) takes "-l=HOST:PORT" as "-l HOST:PORT", where commander
 * would read the value "=HOST:PORT", and a long flag with one dash ("-listen", "-toxicity=0.5"). They are rewritten for commander, up to a "--" that ends the
 * options, and not at all for a command that runs another, whose arguments are that command's.
 */
function compatibleArgv(argv: string[]): string[] {
  if (commandRunners.includes(commandWord(argv.slice(2)) ?? '')) return argv;
  const end = argv.indexOf('--');
  const options = end === -1 ? argv : argv.slice(0, end);
  const server = options.includes('server');
  const toxic = ['toxic', 't'].includes(commandWord(argv.slice(2)) ?? '');
  // toxiproxy-server -h (or -help) prints its usage and exits 0, as Go's flag package does; before
  // "server", -h is the client commands' --host.
  const serverAt = commandWord(argv.slice(2)) === 'server' ? options.indexOf('server', 2) : -1;
  const rewritten = options.flatMap((arg, index) => {
    if (serverAt !== -1 && index > serverAt && ['-h', '-help'].includes(arg)) return ['--help'];
    const bool = toxic ? goStreamFlag(arg) : server ? goServerFlag(arg) : undefined;
    if (bool) return bool;
    if (arg === '-tox' || arg === '--tox') return ['--toxicity'];
    const [flag = '', ...value] = arg.split('=');
    if (/^-[a-zA-Z]$/.test(flag) && value.length > 0) return [flag, value.join('=')];
    if (/^--?tox$/.test(flag)) return [['--toxicity', ...value].join('=')];
    const name = flag.slice(1);
    // commander would read "-upstream=X" as "-u" with the value "pstream=X", in silence.
    if (toxiproxyCliFlags.includes(name)) return [[`--${name}`, ...value].join('=')];
    if (!/^-[a-z]/.test(flag) || !toxiproxyServerFlags.includes(name)) return [arg];
    if (name !== 'host' && !server) return [arg];
    return [[`--${name}`, ...value].join('=')];
  });
  return end === -1 ? rewritten : [...rewritten, ...argv.slice(end)];
}

/** The command named on the line: the first word that is neither an option nor --host's value. */
function commandWord(args: readonly string[]): string | undefined {
  for (let index = 0; index < args.length; index++) {
    const arg = args[index]!;
    if (['-h', '--host', '-host'].includes(arg)) index++;
    else if (!arg.startsWith('-')) return arg;
  }
  return undefined;
}

/** Runs the CLI on process.argv with the commands `entriesFor` chooses; exits non-zero on failure. */
export async function runCli(entriesFor: CommandChoice): Promise<void> {
  keepGoingWhenOutputCloses();
  try {
    // chaos's global options (--verbose, --change-dir, --log-file, --settings...): see chaos-globals.ts.
    const argv = takeChaosGlobals(compatibleArgv(process.argv));
    await (await buildProgram(entriesFor, argv)).parseAsync(argv);
  } catch (error) {
    // Loaded only on failure, so a command that succeeds never imports the client or system code.
    const { describeFailure } = await import('./failure.js');
    const failure = describeFailure(error);
    if (failure.text) process.stderr.write(failure.text);
    process.exit(failure.status);
  }
}
