import type { Command } from 'commander';

/**
 * Every command of the CLI, in the order help lists them, with the names it answers to and how
 * to load it. A command's module (and what it imports: the runner, the system faults, the
 * browser proxy…) is imported only when that command runs, so `faultline --version` loads no
 * command and `faultline server` loads only the server. Help, `help`, an unknown command and
 * `completion` load them all, so they see the same program as before.
 */
export interface CommandEntry {
  names: readonly string[];
  load(program: () => Command): Promise<Command>;
}

export const commandTable: readonly CommandEntry[] = [
  { names: ['server'], load: async () => (await import('./server-command.js')).serverCommand() },
  { names: ['demo'], load: async () => (await import('./demo-command.js')).demoCommand() },
  {
    names: ['list', 'ls', 'l', 'li'],
    load: async () => (await import('./proxy-commands.js')).listCommand(),
  },
  {
    names: ['inspect', 'i', 'ins'],
    load: async () => (await import('./proxy-commands.js')).inspectCommand(),
  },
  { names: ['create', 'c', 'new'], load: async () => (await import('./proxy-commands.js')).createCommand() },
  { names: ['toggle', 'tg', 'tog'], load: async () => (await import('./proxy-commands.js')).toggleCommand() },
  { names: ['delete', 'd'], load: async () => (await import('./proxy-commands.js')).deleteCommand() },
  { names: ['toxic', 't'], load: async () => (await import('./toxic-commands.js')).toxicCommand() },
  { names: ['apply'], load: async () => (await import('./apply-command.js')).applyCommand() },
  { names: ['export'], load: async () => (await import('./apply-command.js')).exportCommand() },
  { names: ['watch'], load: async () => (await import('./watch-command.js')).watchCommand() },
  { names: ['run'], load: async () => (await import('./run-command.js')).runCommand() },
  { names: ['validate'], load: async () => (await import('./validate-command.js')).validateCommand() },
  { names: ['rollback'], load: async () => (await import('./rollback-command.js')).rollbackCommand() },
  { names: ['halt'], load: async () => (await import('./halt-command.js')).haltCommand() },
  { names: ['report'], load: async () => (await import('./report-command.js')).reportCommand() },
  {
    names: ['browser-script'],
    load: async () => (await import('./browser-commands.js')).browserScriptCommand(),
  },
  {
    names: ['browser-proxy'],
    load: async () => (await import('./browser-commands.js')).browserProxyCommand(),
  },
  { names: ['load'], load: async () => (await import('./system-commands.js')).loadCommand() },
  { names: ['process'], load: async () => (await import('./system-commands.js')).processCommand() },
  { names: ['syscall'], load: async () => (await import('./system-commands.js')).syscallCommand() },
  { names: ['supervise'], load: async () => (await import('./supervise-command.js')).superviseCommand() },
  { names: ['stress'], load: async () => (await import('./stress-command.js')).stressCommand() },
  { names: ['cgroup'], load: async () => (await import('./cgroup-command.js')).cgroupCommand() },
  { names: ['net'], load: async () => (await import('./net-command.js')).netCommand() },
  { names: ['observe'], load: async () => (await import('./observe-command.js')).observeCommand() },
  { names: ['ca'], load: async () => (await import('./ca-command.js')).caCommand() },
  { names: ['etcd'], load: async () => (await import('./etcd-command.js')).etcdCommand() },
  {
    names: ['completion'],
    load: async (program) => (await import('./completion-command.js')).completionCommand(program),
  },
];

/** The program's own options that take a value: what follows them is not a command name. */
const PROGRAM_OPTIONS_WITH_VALUE = ['-h', '--host'];

/**
 * The commands to load for these arguments (after `node` and the script): the one the first
 * non-option argument names; none for a bare --version; all of them otherwise.
 */
export function entriesFor(args: readonly string[]): readonly CommandEntry[] {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') break;
    if (PROGRAM_OPTIONS_WITH_VALUE.includes(arg)) {
      i += 1;
      continue;
    }
    if (arg.startsWith('-')) continue;
    const entry = commandTable.find((candidate) => candidate.names.includes(arg));
    return entry && !entry.names.includes('completion') ? [entry] : commandTable;
  }
  const versionOnly = args.some((arg) => arg === '-v' || arg === '--version') && !args.includes('--help');
  return versionOnly ? [] : commandTable;
}

/** Whether these arguments (after `node` and the script) run `faultline server` and nothing else. */
export function runsServer(args: readonly string[]): boolean {
  const entries = entriesFor(args);
  return entries.length === 1 && entries[0]!.names.includes('server');
}
