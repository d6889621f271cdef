#!/usr/bin/env node
import { Command, CommanderError, Option } from 'commander';
import { faultlineVersion } from '../version.js';
import { entriesFor } from './command-table.js';

/** Exit statuses: 0 done, 1 the operation failed (API error, server unreachable), 2 bad input. */
const FAILED = 1;
const BAD_INPUT = 2;

async function buildProgram(): Promise<Command> {
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
  // Only the command that runs is imported (see command-table.ts).
  const args = compatibleArgv(process.argv).slice(2);
  for (const entry of entriesFor(args)) program.addCommand(inheritSettings(await entry.load(() => program)));
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
  await (await buildProgram()).parseAsync(compatibleArgv(process.argv));
} catch (error) {
  if (error instanceof CommanderError) {
    const done = ['commander.helpDisplayed', 'commander.version', 'commander.help'].includes(error.code);
    process.exit(done ? 0 : BAD_INPUT);
  }
  // Loaded only on failure, so a command that succeeds never imports the client or system code.
  const { UsageError } = await import('./context.js');
  const { isFaultlineError } = await import('../model/errors.js');
  const { FaultlineApiError } = await import('../client/errors.js');
  const { MissingCapability } = await import('../system/capability.js');
  const badInput = error instanceof UsageError || isFaultlineError(error);
  const known = error instanceof FaultlineApiError || error instanceof MissingCapability || badInput;
  const message =
    known || !process.env.FAULTLINE_DEBUG
      ? ((error as Error).message ?? String(error))
      : ((error as Error).stack ?? String(error));
  process.stderr.write(`faultline: ${message}\n`);
  process.exit(badInput ? BAD_INPUT : FAILED);
}
