import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { defaultLedgerDirectory, type Ledger, noLedger, openLedger } from '../experiment/ledger.js';
import { undoEntries } from '../experiment/rollback.js';
import { isFaultlineError } from '../model/errors.js';
import { UnsafeFile } from '../system/private-files.js';
import type { SystemContext } from '../system/operations/index.js';
import { UsageError } from './context.js';
import { EXIT } from './failure.js';
import { stopOnSignals } from './stop-on-signals.js';

/** Resolves after `seconds`, or at the first SIGINT or SIGTERM; says which. */
export async function holdUntil(
  seconds: number | undefined,
  signal?: AbortSignal,
): Promise<'elapsed' | 'signal'> {
  if (signal?.aborted) return 'signal';
  const stop = new AbortController();
  const waits: Array<Promise<'elapsed' | 'signal'>> = [
    once(process, 'SIGINT', { signal: stop.signal }).then(() => 'signal' as const),
    once(process, 'SIGTERM', { signal: stop.signal }).then(() => 'signal' as const),
  ];
  if (seconds !== undefined) {
    waits.push(
      new Promise((resolve) => {
        const timer = setTimeout(() => resolve('elapsed'), seconds * 1000);
        stop.signal.addEventListener('abort', () => clearTimeout(timer));
      }),
    );
  }
  if (signal) waits.push(once(signal, 'abort').then(() => 'signal' as const));
  try {
    return await Promise.race(waits);
  } catch {
    return 'signal';
  } finally {
    stop.abort();
  }
}

/**
 * Holds a fault for `seconds` (or until SIGINT/SIGTERM), saying so first; undefined leaves it in
 * place.
 */
export function holdFor(seconds: number | undefined): Hold<unknown> | undefined {
  if (seconds === undefined) return undefined;
  return async (_result, interrupted) => {
    process.stderr.write(
      `faultline: holding for ${seconds} s; Ctrl-C or SIGTERM ends it early (exit 130 or 143), undoing it first\n`,
    );
    return (await holdUntil(seconds, interrupted)) === 'signal' ? 'interrupted' : `held for ${seconds} s`;
  };
}

/**
 * How long a fault lasts: settles with what to tell the user. `interrupted` is aborted by a SIGINT
 * or SIGTERM that came at any time since the fault began to be made, before the hold listened too.
 */
export type Hold<T> = (result: T, interrupted: AbortSignal) => Promise<string>;

/**
 * Runs a system action from the CLI with a ledger, so `faultline rollback` can undo it after a
 * crash. With `hold` the fault lasts until hold settles and is then undone (SIGINT and SIGTERM
 * end the hold); without it the fault stays and the user is told how to undo it. What is undone
 * here comes from memory: the ledger file is written, never read back.
 */
export async function withCliLedger<T>(
  apply: (context: SystemContext) => Promise<T>,
  options: { hold?: Hold<T> | undefined; report: (result: T) => void },
): Promise<void> {
  let ledger: Ledger;
  try {
    ledger = openLedger(defaultLedgerDirectory(), {
      run: `cli-${new Date().toISOString().replace(/[:.]/g, '-')}-${randomBytes(3).toString('hex')}`,
      experiment: `faultline ${process.argv.slice(2).join(' ')}`,
    });
  } catch (error) {
    throw asUsageError(error);
  }
  const context: SystemContext = { ...directContext(), ledger };
  // From before a held fault is made until its hold ends: a Ctrl-C in between would otherwise kill
  // faultline with the fault in place, and one during the undo must not cut the undo short.
  const interrupts = options.hold === undefined ? undefined : stopOnSignals({ secondExits: false });
  let result: T;
  try {
    result = await apply(context);
  } catch (error) {
    interrupts?.release();
    const { failed } = await undoLive(ledger);
    ledger.close(failed > 0);
    throw asUsageError(error);
  }
  options.report(result);
  if (options.hold === undefined) {
    if (ledger.live().length > 0)
      process.stderr.write(
        `faultline: the change stays in place; "faultline rollback" undoes it (ledger ${ledger.path})\n`,
      );
    else ledger.close(false);
    return;
  }
  const how = await options.hold(result, interrupts!.signal).finally(() => interrupts!.release());
  process.stderr.write(`faultline: ${how}${ledger.live().length > 0 ? '; undoing' : ''}\n`);
  const { failed } = await undoLive(ledger);
  ledger.close(failed > 0);
  // A hold cut short is not a hold that ran its time: a script must be able to tell them apart.
  if (interrupts!.status !== undefined) process.exitCode = interrupts!.status;
  if (failed > 0) {
    process.exitCode = EXIT.failed;
    process.stderr.write(`faultline: ${failed} undo(s) failed; "faultline rollback" retries them\n`);
  }
}

function asUsageError(error: unknown): unknown {
  if (isFaultlineError(error) || error instanceof UnsafeFile) return new UsageError((error as Error).message);
  return error;
}

async function undoLive(ledger: Ledger) {
  return undoEntries(
    ledger.live(),
    (line) => process.stderr.write(`faultline: ${line}\n`),
    (seq) => ledger.settle(seq),
  );
}

/** A context for a CLI action that records nothing and is never cancelled. */
export function directContext(): SystemContext {
  return {
    ledger: noLedger,
    signal: new AbortController().signal,
    warn: (message) => process.stderr.write(`faultline: ${message}\n`),
  };
}
