import { setTimeout as delay } from 'node:timers/promises';
import { FaultlineError } from '../model/errors.js';
import type { HaltItem, HaltOutcome, LeftFault } from '../model/halt.js';
import { isStillRunning, type ProcessIdentity, signalIdentified } from '../system/processes.js';
import { UnsafeFile } from '../system/private-files.js';
import {
  defaultLedgerDirectory,
  type LeftLedger,
  removeIfFinished,
  scanLedgers,
  settleEntries,
} from './ledger.js';
import { dropHaltReason, leaveHaltReason } from './halt-reason.js';
import { describeEntry, forgetAdvice, leftAlone, leftByHalt, undoEach } from './rollback.js';

export interface LedgerHaltOptions {
  /** Pids of runs the caller interrupted itself (runs registered with a server): not signalled. */
  spare?: readonly number[];
  /**
   * The token of a server a proxy fault was made through. Given, it decides for every server
   * (undefined: none, never FAULTLINE_TOKEN, which may be the caller's own token); without it the
   * client's default applies, as in `faultline rollback`.
   */
  tokenFor?: (server: string) => string | undefined;
  /** How long signalled runs get to stop before their faults are undone for them (default 5 s). */
  waitMs?: number;
  /** What a signalled run's journal gives as its interruption (default "halted by faultline halt"). */
  reason?: string;
}

/** Every fault the ledgers in `directory` record, newest run first (GET /ledger). */
export function listLeftFaults(directory = defaultLedgerDirectory()): LeftFault[] {
  let scan;
  try {
    scan = scanLedgers(directory);
  } catch (error) {
    if (!(error instanceof UnsafeFile)) throw error;
    throw new FaultlineError('FAULTLINE_ERR_INTERNAL', 'ledger refused', {
      hint: `${error.message}; the ledger is listed and halted once its directory is fixed`,
    });
  }
  return scan.ledgers.flatMap((ledger) =>
    ledger.entries.map((entry) => ({
      run: ledger.header.run,
      kind: entry.undo.kind,
      what: describeEntry(entry),
      since: entry.time,
      running: ledger.running,
    })),
  );
}

/**
 * Halt from the ledger alone: a run still writing a ledger is interrupted with SIGINT (as Ctrl-C
 * would; the runner, `stress` and the timed actions all undo their faults on it), and once those
 * runs stopped, or `waitMs` passed, every fault left in every ledger is undone, newest first,
 * whether its run still lives or not (as `faultline rollback --force`).
 */
export async function haltLedgers(
  directory = defaultLedgerDirectory(),
  options: LedgerHaltOptions = {},
): Promise<HaltOutcome> {
  const outcome: HaltOutcome = { undone: [], left: [], failed: [] };
  const spare = new Set(options.spare ?? []);
  let first;
  try {
    first = scanLedgers(directory);
  } catch (error) {
    if (!(error instanceof UnsafeFile)) throw error;
    outcome.failed.push({ kind: 'ledger', what: `${error.message}; nothing in it was undone` });
    return outcome;
  }
  const signalled: ProcessIdentity[] = [];
  for (const ledger of first.ledgers) {
    const { header } = ledger;
    if (!ledger.running || spare.has(header.pid)) continue;
    const run = `run ${header.run} (${header.experiment}, pid ${header.pid})`;
    if (header.startTime === null) {
      outcome.failed.push({
        kind: 'run',
        what: `${run} cannot be told apart from another process with its pid, so it was not signalled; its recorded faults are undone below, but it may make more`,
      });
      continue;
    }
    const identity = { pid: header.pid, startTime: header.startTime };
    leaveHaltReason(ledger.path, options.reason ?? 'halted by faultline halt');
    if (signalIdentified(identity, 'SIGINT')) {
      signalled.push(identity);
      outcome.undone.push({ kind: 'run', what: `interrupted ${run} with SIGINT, as Ctrl-C would` });
    }
  }
  await waitUntilStopped(signalled, options.waitMs ?? 5000);
  for (const ledger of first.ledgers) dropHaltReason(ledger.path);
  const scan = scanLedgers(directory);
  for (const refused of scan.refused)
    outcome.failed.push({ kind: 'ledger', what: `${refused.reason}; nothing in it was run` });
  for (const ledger of scan.ledgers) await undoAll(ledger, outcome, options.tokenFor);
  return outcome;
}

async function undoAll(
  ledger: LeftLedger,
  outcome: HaltOutcome,
  tokenFor: LedgerHaltOptions['tokenFor'],
): Promise<void> {
  const item = (what: string): HaltItem => ({ kind: 'ledger', what: `${what} (run ${ledger.header.run})` });
  await undoEach(ledger.entries, {
    mode: 'halt',
    token: (entry) => (tokenFor && entry.server !== undefined ? (tokenFor(entry.server) ?? '') : undefined),
    // Left live in the ledger: `faultline rollback` still removes it.
    keep: leftByHalt,
    kept: (entry, why) => outcome.left.push(item(leftAlone(entry, why))),
    settle: (seq) => settleEntries(ledger.path, [seq]),
    done: (entry, result) => {
      // Left in place (someone made it again): said apart, never as undone.
      if (result.result === 'left') outcome.left.push(item(leftAlone(entry, result.note)));
      else
        outcome.undone.push(
          item(`${result.result}: ${describeEntry(entry)}${result.note ? `, ${result.note}` : ''}`),
        );
    },
    failed: (entry, error) =>
      outcome.failed.push(
        item(
          `could not undo ${describeEntry(entry)}: ${(error as Error).message}; ${forgetAdvice(entry, ledger.header.run, error)}`,
        ),
      ),
  });
  try {
    removeIfFinished(ledger.path);
  } catch {
    // Changed or removed meanwhile (its run settled it): nothing is left to undo in it.
  }
}

async function waitUntilStopped(processes: ProcessIdentity[], waitMs: number): Promise<void> {
  const deadline = performance.now() + waitMs;
  while (processes.some(isStillRunning) && performance.now() < deadline) await delay(20);
}
