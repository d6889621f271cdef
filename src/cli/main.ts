#!/usr/bin/env node
import { Command } from 'commander';
import { isFaultlineError } from '../model/errors.js';
import { faultlineVersion } from '../version.js';
import { demoCommand } from './demo-command.js';
import { serverCommand } from './server-command.js';

const program = new Command('faultline')
  .description('Chaos engineering for developers and CI: a Toxiproxy-compatible fault proxy and more.')
  .version(faultlineVersion, '-v, --version')
  .showHelpAfterError('(run with --help for usage)')
  .addCommand(serverCommand())
  .addCommand(demoCommand());

try {
  await program.parseAsync(process.argv);
} catch (error) {
  const message = isFaultlineError(error) ? error.message : ((error as Error).stack ?? String(error));
  process.stderr.write(`faultline: ${message}\n`);
  process.exit(isFaultlineError(error) ? 2 : 1);
}
