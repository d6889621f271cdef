import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command, Option } from 'commander';
import {
  defaultLedgerDirectory,
  type LedgerEntry,
  type LedgerScan,
  type LeftLedger,
  scanLedgers,
} from '../experiment/ledger.js';
import { supersededBy } from '../experiment/ledger-superseded.js';
import { forget, pickForgotten, selectorsIn } from '../experiment/ledger-forget.js';
import { describeEntry, explainUndo, nothingLeftOf, notOursOf, undoLedger } from '../experiment/rollback.js';
import { UnsafeFile } from '../system/private-files.js';
import { example, out, UsageError } from './context.js';

interface RollbackFlags {
  ledgerDir?: string;
  dryRun?: boolean;
  force?: boolean;
  forget: string[];
}

export function rollbackCommand(): Command {
  return new Command('rollback')
    .description('undo the faults that runs left behind (runner killed, or interrupted before its rollbacks)')
    .option(
      '--ledger-dir <dir>',
      'where runs record their faults (default $FAULTLINE_LEDGER_DIR, else $XDG_STATE_HOME/faultline/ledger, else ~/.local/state/faultline/ledger)',
    )
    .option('--dry-run', 'show exactly what would be done, and do nothing')
    .option('--force', 'also undo the faults of runs that are still running')
    .addOption(
      new Option(
        '--forget <run-or-server>',
        'discard, undoing nothing, what the ledger holds for a run (its id, as rollback prints it) or a server (its URL, in every run): for faults that went with their server or were undone by hand; repeatable',
      )
        .argParser((value: string, previous: string[]) => [...previous, value])
        .default([], 'none'),
    )
    .addHelpText(
      'after',
      example(
        'faultline rollback --dry-run\n  faultline rollback --forget http://10.0.0.5:8474   # that server is gone for good',
      ),
    )
    .action(async (flags: RollbackFlags) => {
      process.exitCode = await rollback(flags);
    });
}

async function rollback(flags: RollbackFlags): Promise<number> {
  const directory = resolve(flags.ledgerDir ?? defaultLedgerDirectory());
  out(`looked in ${directory}`);
  warnAboutOldLedgers(directory);
  let scan: LedgerScan;
  try {
    scan = scanLedgers(directory);
  } catch (error) {
    if (error instanceof UnsafeFile) throw new UsageError(`${error.message}; nothing was undone`);
    throw error;
  }
  if (flags.forget.length > 0) return forgetEntries(scan, flags);
  let problems = 0;
  for (const refused of scan.refused) {
    problems += 1;
    process.stderr.write(`faultline: ${refused.reason}; nothing in it was run\n`);
  }
  if (scan.ledgers.length === 0 && scan.refused.length === 0) {
    out('nothing to roll back: no run left faults behind');
    return 0;
  }
  // Newest run first, as each run undoes its own faults newest first: a later run's fault may
  // sit on something an earlier run made (a toxic on its proxy, a limit in its lab).
  const leftAlone = scan.ledgers.filter((ledger) => ledger.running && !flags.force);
  for (const ledger of scan.ledgers) {
    const { header } = ledger;
    if (ledger.running && !flags.force) {
      problems += 1;
      out(
        `skipped run ${header.run} (${header.experiment}) from ${header.cwd}: it is still running as pid ${header.pid}; --force undoes it anyway`,
      );
      continue;
    }
    out(`run ${header.run} (${header.experiment}), started ${header.started} in ${header.cwd}:`);
    if (ledger.entries.length === 0) out('  nothing left to undo');
    if (flags.dryRun) {
      problems += await preview(ledger.entries, leftAlone);
      continue;
    }
    const { failed } = await undoLedger(ledger, (line) => out(`  ${line}`), leftAlone);
    problems += failed;
  }
  return problems === 0 ? 0 : 1;
}

/** --forget: settles the entries the selectors pick without undoing them, and says which. */
function forgetEntries(scan: LedgerScan, flags: RollbackFlags): number {
  const { picked, unmatched } = pickForgotten(scan, flags.forget);
  if (unmatched.length > 0) {
    const known = selectorsIn(scan);
    throw new UsageError(
      `--forget ${unmatched.map((selector) => JSON.stringify(selector)).join(', ')}: no run with that id, and no server with faults, in the ledger; ${
        known.length > 0 ? `it holds: ${known.join(', ')}` : 'it holds nothing'
      }; nothing was forgotten`,
    );
  }
  let problems = 0;
  for (const chosen of picked) {
    const { header } = chosen.ledger;
    if (chosen.ledger.running && !flags.force) {
      problems += 1;
      out(
        `skipped run ${header.run} (${header.experiment}): it is still running as pid ${header.pid}; --force forgets its entries anyway`,
      );
      continue;
    }
    out(`run ${header.run} (${header.experiment}), started ${header.started} in ${header.cwd}:`);
    for (const entry of [...chosen.entries].reverse())
      out(`  ${flags.dryRun ? 'would forget' : 'forgotten'}: ${describeEntry(entry)}`);
    if (chosen.entries.length === 0) out('  nothing left to undo');
    if (!flags.dryRun) forget(chosen);
  }
  out(
    flags.dryRun
      ? 'dry run: nothing was forgotten or undone'
      : 'undid nothing: whatever these entries recorded is left as it is',
  );
  return problems === 0 ? 0 : 1;
}

/**
 * What the real run would do with each entry, newest first, decided as the real run decides:
 * undo it, find it already gone (saying why), leave it as not the run's any more, or fail to reach its server. Returns the failures.
 */
async function preview(entries: readonly LedgerEntry[], leftAlone: readonly LeftLedger[]): Promise<number> {
  let failures = 0;
  for (const entry of [...entries].reverse()) {
    let nothingLeft: string | undefined;
    let notOurs: string | undefined;
    try {
      nothingLeft = supersededBy(entry, leftAlone) ?? (await nothingLeftOf(entry));
      if (nothingLeft === undefined) notOurs = await notOursOf(entry);
    } catch (error) {
      failures += 1;
      out(`  would fail: ${describeEntry(entry)}: ${(error as Error).message}`);
      continue;
    }
    if (notOurs !== undefined) out(`  would leave: ${describeEntry(entry)}: ${notOurs}`);
    else if (nothingLeft === undefined)
      out(`  would undo: ${describeEntry(entry)}\n    by: ${explainUndo(entry)}`);
    else out(`  already gone: ${describeEntry(entry)} (${nothingLeft}); nothing to undo`);
  }
  return failures;
}

/** Ledgers once lived in ./.faultline/ledger; they are never run now, but their owner should know. */
function warnAboutOldLedgers(directory: string) {
  const old = resolve('.faultline', 'ledger');
  if (old !== directory && existsSync(old))
    process.stderr.write(
      `faultline: warning: ${old} is not read (ledgers live in ${directory} now); look inside and remove it\n`,
    );
}
