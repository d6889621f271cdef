import { rmSync } from 'node:fs';
import { Command } from 'commander';
import { DEFAULT_LEDGER_DIRECTORY, readLedgers } from '../experiment/ledger.js';
import { describeEntry, undoLedger } from '../experiment/rollback.js';
import { example, out } from './context.js';

export function rollbackCommand(): Command {
  return new Command('rollback')
    .description('undo the faults that runs left behind (runner killed, or interrupted before its rollbacks)')
    .option('--ledger-dir <dir>', 'where runs record their faults', DEFAULT_LEDGER_DIRECTORY)
    .option('--dry-run', 'list what would be undone')
    .option('--force', 'also undo the faults of runs that are still running')
    .addHelpText('after', example('faultline rollback --dry-run'))
    .action(async (options: { ledgerDir: string; dryRun?: boolean; force?: boolean }) => {
      // Newest run first, as each run undoes its own faults newest first: a later run's fault may
      // sit on something an earlier run made (a toxic on its proxy, a limit in its lab).
      const ledgers = readLedgers(options.ledgerDir).reverse();
      if (ledgers.length === 0) return out('nothing to roll back: no run left faults behind');
      for (const ledger of ledgers) {
        if (ledger.running && !options.force) {
          out(
            `skipped run ${ledger.header.run} (${ledger.header.experiment}): it is still running as pid ${ledger.header.pid}; --force undoes it anyway`,
          );
          continue;
        }
        out(`run ${ledger.header.run} (${ledger.header.experiment}), started ${ledger.header.started}:`);
        if (options.dryRun) {
          for (const entry of [...ledger.entries].reverse()) out(`  would undo: ${describeEntry(entry)}`);
          continue;
        }
        await undoLedger(ledger, (line) => out(`  ${line}`));
        rmSync(ledger.path, { force: true });
      }
    });
}
