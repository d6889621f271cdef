import { closeSync, existsSync, readdirSync, rmSync, writeSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { z } from 'zod';
import {
  type Ledger,
  type LedgerEntry,
  ledgerEntrySchema,
  type LedgerHeader,
  ledgerHeaderSchema,
  ledgerSettledSchema,
  LEDGER_FORMAT,
  type Undo,
  undoKinds,
} from '../model/ledger.js';
import {
  checkPrivateDirectory,
  createExclusive,
  currentUid,
  ensurePrivateDirectory,
  openTrusted,
  readTrusted,
  UnsafeFile,
} from '../system/private-files.js';
import { identify, isStillRunning } from '../system/processes.js';

export { type Ledger, type LedgerEntry, type LedgerHeader, noLedger, type Undo } from '../model/ledger.js';

/**
 * The ledger lives in one private place per user, whatever the current directory:
 * $FAULTLINE_LEDGER_DIR, else $XDG_STATE_HOME/faultline/ledger, else ~/.local/state/faultline/ledger.
 */
export function defaultLedgerDirectory(env: NodeJS.ProcessEnv = process.env): string {
  if (env.FAULTLINE_LEDGER_DIR) return env.FAULTLINE_LEDGER_DIR;
  const state = env.XDG_STATE_HOME?.startsWith('/') ? env.XDG_STATE_HOME : join(homedir(), '.local', 'state');
  return join(state, 'faultline', 'ledger');
}

export const DEFAULT_LEDGER_DIRECTORY = defaultLedgerDirectory();

const WHAT = 'ledger directory';

/**
 * Opens a run's ledger in `directory` (made private, or refused as UnsafeFile). The file (mode
 * 0600, created exclusively) appears with the first fault, and the run keeps its descriptor: it
 * never reads the file back.
 */
export function openLedger(directory: string, header: { run: string; experiment: string }): Ledger {
  // Checked before any fault is made, so a fault is never left unrecorded by a refused directory.
  ensurePrivateDirectory(directory, WHAT);
  const path = join(directory, `${header.run}.jsonl`);
  const entries: LedgerEntry[] = [];
  const settled = new Set<number>();
  let fd: number | undefined;
  let closed = false;
  let created = false;
  const write = (value: unknown) => {
    if (closed) return;
    if (fd === undefined) {
      fd = createExclusive(path);
      created = true;
      const self = identify(process.pid);
      const first: LedgerHeader = {
        format: LEDGER_FORMAT,
        run: header.run,
        pid: process.pid,
        startTime: self?.startTime ?? null,
        uid: currentUid(),
        cwd: process.cwd(),
        experiment: header.experiment.slice(0, 4096),
        started: new Date().toISOString(),
      };
      writeSync(fd, `${JSON.stringify(ledgerHeaderSchema.parse(first))}\n`);
    }
    writeSync(fd, `${JSON.stringify(value)}\n`);
  };
  const live = () => entries.filter((entry) => !settled.has(entry.seq));
  const ledger: Ledger = {
    get path() {
      return created ? path : undefined;
    },
    record(entry) {
      const full = ledgerEntrySchema.parse({
        seq: entries.length + 1,
        time: new Date().toISOString(),
        ...entry,
        description: entry.description.slice(0, 1000),
      });
      write(full);
      entries.push(full);
      return full.seq;
    },
    settle(seq) {
      if (settled.has(seq) || !entries.some((entry) => entry.seq === seq)) return;
      settled.add(seq);
      write({ settled: seq, time: new Date().toISOString() });
    },
    settleWhere(done) {
      for (const entry of live()) if (done(entry.undo)) ledger.settle(entry.seq);
      settleInOtherLedgers(directory, path, done);
    },
    liveWhere(wanted) {
      const own = live().map((entry) => entry.undo);
      const others = otherLedgers(directory, path).flatMap((left) => left.entries.map((entry) => entry.undo));
      return [...own, ...others].filter(wanted);
    },
    live,
    close(keep) {
      if (closed) return;
      closed = true;
      if (fd === undefined) return;
      closeSync(fd);
      if (!keep) rmSync(path, { force: true });
    },
  };
  return ledger;
}

/** A ledger a run left behind, read and checked. */
export interface LeftLedger {
  path: string;
  header: LedgerHeader;
  /** Entries not yet settled, oldest first. */
  entries: LedgerEntry[];
  /** Whether the run that wrote it is still alive (then its faults are its own business). */
  running: boolean;
}

/** A file in the ledger directory that is not run: another user's, or one that does not parse. */
export interface RefusedLedger {
  path: string;
  reason: string;
}

export interface LedgerScan {
  directory: string;
  ledgers: LeftLedger[];
  refused: RefusedLedger[];
}

/**
 * Every ledger in `directory`, newest run first. A missing directory holds none; one another user
 * could write is refused as a whole (UnsafeFile), and so is each file that fails a check.
 */
export function scanLedgers(directory: string): LedgerScan {
  const scan: LedgerScan = { directory, ledgers: [], refused: [] };
  if (!existsSync(directory)) return scan;
  checkPrivateDirectory(directory, WHAT);
  for (const file of readdirSync(directory).sort()) {
    const path = join(directory, file);
    // RUN.halt: the reason a halt left for a run it signals (halt-reason.ts), not a ledger.
    if (file.endsWith('.halt')) continue;
    if (!file.endsWith('.jsonl')) {
      scan.refused.push({ path, reason: 'not a ledger (a ledger is RUN.jsonl); remove it' });
      continue;
    }
    try {
      scan.ledgers.push(readLedger(path));
    } catch (error) {
      scan.refused.push({ path, reason: (error as Error).message });
    }
  }
  scan.ledgers.sort((a, b) =>
    a.header.started === b.header.started
      ? b.header.run.localeCompare(a.header.run)
      : b.header.started.localeCompare(a.header.started),
  );
  return scan;
}

/** One ledger file, checked (owner, mode, every line against the schema) before anything in it is used. */
export function readLedger(path: string): LeftLedger {
  const lines = readTrusted(path, 'ledger').split('\n');
  if (lines.at(-1) === '') lines.pop();
  const header = parseLine(ledgerHeaderSchema, parseJson(lines[0], path, 1), path, 1);
  if (`${header.run}.jsonl` !== path.split('/').pop())
    throw new UnsafeFile(`refused ledger ${path}: its header names run ${header.run}, not this file`);
  if (header.uid !== currentUid())
    throw new UnsafeFile(`refused ledger ${path}: its header says uid ${header.uid} wrote it, not you`);
  const entries: LedgerEntry[] = [];
  const settled = new Set<number>();
  lines.slice(1).forEach((line, index) => {
    const value = parseJson(line, path, index + 2);
    if (typeof value === 'object' && value !== null && 'settled' in value)
      settled.add(parseLine(ledgerSettledSchema, value, path, index + 2).settled);
    else {
      const kind = (value as { undo?: { kind?: unknown } } | null)?.undo?.kind;
      if (!undoKinds.includes(String(kind)))
        throw new UnsafeFile(
          `refused ledger ${path}: line ${index + 2}: undo kind ${JSON.stringify(kind)} is none faultline carries out (${undoKinds.join(', ')})`,
        );
      entries.push(parseLine(ledgerEntrySchema, value, path, index + 2));
    }
  });
  const runner =
    header.startTime === null ? identify(header.pid) : { pid: header.pid, startTime: header.startTime };
  const running = header.pid !== process.pid && runner !== undefined && isStillRunning(runner);
  return { path, header, entries: entries.filter((entry) => !settled.has(entry.seq)), running };
}

function parseJson(line: string | undefined, path: string, number: number): unknown {
  try {
    return JSON.parse(line ?? '');
  } catch {
    throw new UnsafeFile(`refused ledger ${path}: line ${number} is not JSON`);
  }
}

function parseLine<T>(schema: z.ZodType<T>, value: unknown, path: string, number: number): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const where = issue.path.join('.') || (number === 1 ? 'header' : 'entry');
  throw new UnsafeFile(`refused ledger ${path}: line ${number}, ${where}: ${issue.message}`);
}

/**
 * Marks entries of a left-behind ledger as done, after the same checks as reading it. The caller
 * removes the ledger once it is finished (removeIfFinished), after its last settlement. A ledger
 * that is gone was finished by someone else (another rollback or halt undid the same entries at
 * the same time, or they were forgotten): every entry in it is settled already.
 */
export function settleEntries(path: string, seqs: number[]): void {
  if (seqs.length === 0) return;
  let fd: number;
  try {
    fd = openTrusted(path, 'ledger', { write: true }).fd;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  try {
    const time = new Date().toISOString();
    for (const seq of seqs) writeSync(fd, `${JSON.stringify({ settled: seq, time })}\n`);
  } finally {
    closeSync(fd);
  }
}

/** Removes a ledger that has nothing left to undo and whose run has ended. */
export function removeIfFinished(path: string): void {
  if (!existsSync(path)) return;
  const left = readLedger(path);
  if (left.entries.length === 0 && !left.running) rmSync(path, { force: true });
}

/** The other ledgers in `directory` that pass the checks; an unsafe directory holds none here. */
function otherLedgers(directory: string, own: string): LeftLedger[] {
  try {
    return scanLedgers(directory).ledgers.filter((left) => left.path !== own);
  } catch {
    return []; // An unsafe directory is refused by `faultline rollback`, which says why.
  }
}

function settleInOtherLedgers(directory: string, own: string, done: (undo: Undo) => boolean) {
  for (const left of otherLedgers(directory, own)) {
    try {
      const seqs = left.entries.filter((entry) => done(entry.undo)).map((entry) => entry.seq);
      settleEntries(left.path, seqs);
      if (seqs.length > 0) removeIfFinished(left.path);
    } catch {
      // Changed or removed since it was read: `faultline rollback` reports it.
    }
  }
}
