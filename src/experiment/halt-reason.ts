import { closeSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { createExclusive, openTrusted } from '../system/private-files.js';

/**
 * Why a halt from the ledger interrupted a run, for its journal: SIGINT carries no text, so the
 * halt leaves RUN.halt beside the run's ledger (its private directory) before it signals, and
 * the run takes it on SIGINT.
 */
export function haltReasonPath(ledgerPath: string): string {
  return ledgerPath.replace(/\.jsonl$/, '.halt');
}

/** Written anew (never through a file someone planted: exclusive create, no symlink followed). */
export function leaveHaltReason(ledgerPath: string, reason: string): void {
  const path = haltReasonPath(ledgerPath);
  rmSync(path, { force: true });
  const fd = createExclusive(path);
  try {
    writeSync(fd, reason.slice(0, 2000));
  } finally {
    closeSync(fd);
  }
}

/** The reason a halt left for this run, removed once read; undefined when none (a plain Ctrl-C). */
export function takeHaltReason(ledgerPath: string): string | undefined {
  const path = haltReasonPath(ledgerPath);
  let fd: number;
  try {
    fd = openTrusted(path, 'halt reason').fd;
  } catch {
    return undefined;
  }
  try {
    return readFileSync(fd, 'utf8').trim() || undefined;
  } finally {
    closeSync(fd);
    rmSync(path, { force: true });
  }
}

/** Removes a reason no run took (the signalled process was no runner, or had ended). */
export function dropHaltReason(ledgerPath: string): void {
  rmSync(haltReasonPath(ledgerPath), { force: true });
}
