#!/usr/bin/env node
import { Command, CommanderError, Option } from 'commander';
import { FaultlineApiError } from '../client/errors.js';
import { isFaultlineError } from '../model/errors.js';
import { faultlineVersion } from '../version.js';
import { applyCommand, exportCommand } from './apply-command.js';
import { completionCommand } from './completion-command.js';
import { UsageError } from './context.js';
import { demoCommand } from './demo-command.js';
import {
  createCommand,
  deleteCommand,
  inspectCommand,
  listCommand,
  toggleCommand,
} from './proxy-commands.js';
import { serverCommand } from './server-command.js';
import { toxicCommand } from './toxic-commands.js';
import { watchCommand } from './watch-command.js';
import { runCommand } from './run-command.js';
import { validateCommand } from './validate-command.js';
import { rollbackCommand } from './rollback-command.js';
import { reportCommand } from './report-command.js';
import { browserProxyCommand, browserScriptCommand } from './browser-commands.js';
import { loadCommand, processCommand, syscallCommand } from './system-commands.js';
import { stressCommand } from './stress-command.js';
import { cgroupCommand } from './cgroup-command.js';
import { netCommand } from './net-command.js';
import { observeCommand } from './observe-command.js';
import { superviseCommand } from './supervise-command.js';
import { etcdCommand } from './etcd-command.js';
import { MissingCapability } from '../system/capability.js';

/** Exit statuses: 0 done, 1 the operation failed (API error, server unreachable), 2 bad input. */
const FAILED = 1;
const BAD_INPUT = 2;

function buildProgram(): Command {
  const program = new Command('faultline')
    .description('Chaos engineering for developers and CI: a Toxiproxy-compatible fault proxy and its CLI.')
    .version(faultlineVersion, '-v, --version')
    // -h is --host, as in toxiproxy-cli; help is --help only.
    .helpOption('--help', 'show help')
    .addOption(
      new Option('-h, --host <url>', 'control API of the server (default http://127.0.0.1:8474)').env(
        'FAULTLINE_URL',
      ),
    )
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  for (const command of [
    serverCommand(),
    demoCommand(),
    listCommand(),
    inspectCommand(),
    createCommand(),
    toggleCommand(),
    deleteCommand(),
    toxicCommand(),
    applyCommand(),
    exportCommand(),
    watchCommand(),
    runCommand(),
    validateCommand(),
    rollbackCommand(),
    reportCommand(),
    browserScriptCommand(),
    browserProxyCommand(),
    loadCommand(),
    processCommand(),
    syscallCommand(),
    superviseCommand(),
    stressCommand(),
    cgroupCommand(),
    netCommand(),
    observeCommand(),
    etcdCommand(),
    completionCommand(() => program),
  ]) {
    program.addCommand(inheritSettings(command));
  }
  return program;
}

function inheritSettings(command: Command): Command {
  command.helpOption('--help', 'show help').exitOverride();
  for (const sub of command.commands) inheritSettings(sub);
  return command;
}

/** toxiproxy-cli spells toxicity "-tox"; a single-dash long flag is rewritten for commander. */
function compatibleArgv(argv: string[]): string[] {
  return argv.map((arg) => (arg === '-tox' ? '--toxicity' : arg === '--tox' ? '--toxicity' : arg));
}

try {
  await buildProgram().parseAsync(compatibleArgv(process.argv));
} catch (error) {
  if (error instanceof CommanderError) {
    const done = ['commander.helpDisplayed', 'commander.version', 'commander.help'].includes(error.code);
    process.exit(done ? 0 : BAD_INPUT);
  }
  const badInput = error instanceof UsageError || isFaultlineError(error);
  const known = error instanceof FaultlineApiError || error instanceof MissingCapability || badInput;
  const message =
    known || !process.env.FAULTLINE_DEBUG
      ? ((error as Error).message ?? String(error))
      : ((error as Error).stack ?? String(error));
  process.stderr.write(`faultline: ${message}\n`);
  process.exit(badInput ? BAD_INPUT : FAILED);
}
