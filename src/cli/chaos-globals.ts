import { existsSync, statSync } from 'node:fs';
import { UsageError } from './context.js';
import { chaosChoiceError } from './chaos-choice.js';
import { ClickUsageError, noSuchOption } from './click-usage-error.js';

/**
 * The global options of `chaos` (1.19) that come before the command, so `chaos --verbose
 * --settings s.yaml run x.json` works unchanged with faultline in its place:
 * - --verbose: Python activities' and controls' logging at DEBUG;
 * - --no-version-check: accepted and does nothing (faultline never checks for a newer version);
 * - --change-dir DIR: changes to DIR before anything else, as chaos does;
 * - --log-file PATH: the run log is written to PATH too. chaos writes chaostoolkit.log in the
 *   working directory by default; faultline writes no file unless asked (docs/experiments.md);
 * - --no-log-file: no log file, even with --log-file (as in chaos);
 * - --log-file-level debug|info|warning|error: the lowest level written to the log file;
 * - --log-format string|json: the console's lines, as text or as chaos's JSON records;
 * - --settings PATH: the settings file, as `run --settings PATH`.
 */
export interface ChaosGlobals {
  verbose: boolean;
  logFile?: string;
  noLogFile: boolean;
  logFileLevel: LogFileLevel;
  logFormat: LogFormat;
  settings?: string;
}

export const LOG_FILE_LEVELS = ['debug', 'info', 'warning', 'error'] as const;
export type LogFileLevel = (typeof LOG_FILE_LEVELS)[number];
const LOG_FORMATS = ['string', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

const chaosGlobals: ChaosGlobals = {
  verbose: false,
  noLogFile: false,
  logFileLevel: 'debug',
  logFormat: 'string',
};

export function globalChaosOptions(): Readonly<ChaosGlobals> {
  return chaosGlobals;
}

/** Program options of faultline's own that take a value (so their value is not the command). */
const OWN_WITH_VALUE = ['-h', '--host'];

/** faultline's program options (see program.ts). */
const PROGRAM_OWN = ['-h', '--host', '-v', '--version', '--help'];

/** chaos's group's long options, in click's order, for its "Did you mean". */
const GROUP_LONGS = [
  '--version',
  '--verbose',
  '--no-version-check',
  '--change-dir',
  '--no-log-file',
  '--log-file',
  '--log-file-level',
  '--log-format',
  '--settings',
  '--help',
];

/**
 * Takes chaos's global options out of argv (before the command only), acts on --change-dir
 * at once, and keeps the rest for globalChaosOptions(). Returns the argv commander parses.
 */
export function takeChaosGlobals(argv: readonly string[]): string[] {
  const kept = argv.slice(0, 2);
  const unknown: string[] = [];
  let index = 2;
  const valueOf = (flag: string, inline: string | undefined): string => {
    if (inline !== undefined) return inline;
    const value = argv[index + 1];
    // click raises this one without its context: chaos prints no usage above it.
    if (value === undefined) throw new ClickUsageError(`Option '${flag}' requires an argument.`);
    // click would take the option that follows as the value, and that option would be lost.
    if (value.startsWith('-'))
      throw new ClickUsageError(
        `Option '${flag}' requires an argument: ${value} after it is an option (for a value that starts with -, write ${flag}=${value})`,
      );
    index += 1;
    return value;
  };
  for (; index < argv.length; index++) {
    const arg = argv[index]!;
    if (arg === '--' || !arg.startsWith('-')) break;
    const [flag = '', inline] = arg.includes('=')
      ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
      : [arg];
    if (flag === '--verbose') chaosGlobals.verbose = true;
    else if (flag === '--no-version-check') continue;
    else if (flag === '--change-dir') changeDirectory(valueOf(flag, inline));
    else if (flag === '--log-file') chaosGlobals.logFile = valueOf(flag, inline);
    else if (flag === '--no-log-file') chaosGlobals.noLogFile = true;
    else if (flag === '--log-file-level')
      chaosGlobals.logFileLevel = choiceOf(flag, valueOf(flag, inline), LOG_FILE_LEVELS);
    else if (flag === '--log-format')
      chaosGlobals.logFormat = choiceOf(flag, valueOf(flag, inline), LOG_FORMATS);
    else if (flag === '--settings') chaosGlobals.settings = valueOf(flag, inline);
    else {
      kept.push(arg);
      if (!PROGRAM_OWN.includes(flag)) unknown.push(flag);
      if (OWN_WITH_VALUE.includes(arg) && index + 1 < argv.length) kept.push(argv[++index]!);
    }
  }
  // Before one of chaos's commands, click's group refuses what is neither its option nor faultline's.
  const [first] = unknown;
  if (first !== undefined && CLICK_COMMANDS.includes(argv[index] ?? ''))
    throw new ClickUsageError(noSuchOption(first, GROUP_LONGS), GROUP_FRAME);
  // `--log-formt json run`: what stopped the scan may be the unknown option's value, not a command.
  if (first !== undefined && argv[index - 1] === first && CLICK_COMMANDS.includes(argv[index + 1] ?? ''))
    throw new ClickUsageError(noSuchOption(first, GROUP_LONGS), GROUP_FRAME);
  refuseAfterCommand(argv.slice(index));
  return [...kept, ...argv.slice(index)];
}

/** chaos's global options that no faultline command takes as its own (`--settings` is run's too). */
const GLOBAL_ONLY: Record<string, 'flag' | 'value'> = {
  '--verbose': 'flag',
  '--no-version-check': 'flag',
  '--change-dir': 'value',
  '--log-file': 'value',
  '--no-log-file': 'flag',
  '--log-file-level': 'value',
  '--log-format': 'value',
};

/** Commands that run another command: what follows is partly that command's (see program.ts). */
const RUNNERS = ['supervise', 'net', 'syscall'];

/**
 * chaos takes its global options before the command only, and so does faultline; after the
 * command, commander would call one unknown and suggest a look-alike (`--log-file`: "did you
 * mean --var-file?"). Say where it goes instead.
 */
function refuseAfterCommand(rest: readonly string[]): void {
  const [command] = rest;
  if (command === undefined || command === '--' || RUNNERS.includes(command)) return;
  // chaos's own commands say it below click's "No such option" (click-command.ts).
  if (CLICK_COMMANDS.includes(command)) return;
  const end = rest.indexOf('--');
  for (const arg of end === -1 ? rest : rest.slice(0, end)) {
    const note = misplacedGlobalNote(arg.split('=')[0]!, command);
    if (note !== undefined) throw new UsageError(note);
  }
}

/** faultline's commands that are chaos's, whose usage errors are click's. */
const CLICK_COMMANDS = ['run', 'validate'];

/** Where one of chaos's global options given after `command` goes instead; undefined for another flag. */
export function misplacedGlobalNote(flag: string, command: string): string | undefined {
  const kind = GLOBAL_ONLY[flag];
  if (kind === undefined) return undefined;
  return `${flag} is one of chaos's global options: give it before the command, as chaos takes it (faultline ${flag}${kind === 'value' ? ' VALUE' : ''} ${command} …)`;
}

/** The help's line about them, after faultline's own options. */
export const chaosGlobalsHelp =
  "\nchaos's global options, before the command (faultline --verbose run experiment.json):\n" +
  '  --verbose, --no-version-check, --change-dir DIR, --log-file PATH, --no-log-file,\n' +
  '  --log-file-level LEVEL, --log-format string|json, --settings PATH\n';

/** click's frame for chaos's group: its usage line, as `chaos --log-format x run` prints it. */
const GROUP_FRAME = { usage: 'faultline [OPTIONS] COMMAND [ARGS]...', path: 'faultline' };

function choiceOf<T extends string>(flag: string, value: string, choices: readonly T[]): T {
  if ((choices as readonly string[]).includes(value)) return value as T;
  throw new ClickUsageError(chaosChoiceError(flag, value, choices).message, GROUP_FRAME);
}

function changeDirectory(directory: string): void {
  if (!existsSync(directory) || !statSync(directory).isDirectory()) {
    throw new UsageError(`--change-dir ${directory} is not a directory: give an existing directory`);
  }
  process.chdir(directory);
}
