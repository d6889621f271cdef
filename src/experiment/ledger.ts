import { appendFileSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { UpdateProxyBody, UpdateToxicBody } from '../model/wire.js';
import type { SystemUndo } from '../system/undo.js';

/** How to take back one injected fault. */
export type Undo = ProxyUndo | SystemUndo;

export type ProxyUndo =
  | { kind: 'delete-proxy'; proxy: string }
  | { kind: 'remove-toxic'; proxy: string; toxic: string }
  | { kind: 'update-proxy'; proxy: string; body: UpdateProxyBody }
  | { kind: 'update-toxic'; proxy: string; toxic: string; body: UpdateToxicBody };

export interface LedgerEntry {
  time: string;
  /** The control API a proxy fault was made through; absent for faults on this machine. */
  server?: string;
  description: string;
  undo: Undo;
}

export interface LedgerHeader {
  run: string;
  pid: number;
  experiment: string;
  started: string;
}

/**
 * Faults a run injected, appended to a file as each one happens (synchronously, so the file is
 * right even if the runner is killed the next instant). A run that ends normally removes its
 * file; what is left behind is what `faultline rollback` undoes.
 */
export interface Ledger {
  readonly path: string | undefined;
  record(entry: Omit<LedgerEntry, 'time'>): void;
  /** Removes the file, or keeps it (and says so) when faults may still be in place. */
  close(keep: boolean): void;
}

export const DEFAULT_LEDGER_DIRECTORY = process.env.FAULTLINE_LEDGER_DIR ?? '.faultline/ledger';

export function openLedger(directory: string, header: Omit<LedgerHeader, 'pid' | 'started'>): Ledger {
  mkdirSync(directory, { recursive: true });
  const path = join(directory, `${header.run}.jsonl`);
  let written = false;
  const write = (value: unknown) => appendFileSync(path, `${JSON.stringify(value)}\n`);
  return {
    path,
    record(entry) {
      if (!written)
        write({ ...header, pid: process.pid, started: new Date().toISOString() } satisfies LedgerHeader);
      written = true;
      write({ time: new Date().toISOString(), ...entry } satisfies LedgerEntry);
    },
    close(keep) {
      if (!keep) rmSync(path, { force: true });
    },
  };
}

export const noLedger: Ledger = { path: undefined, record: () => undefined, close: () => undefined };

export interface LeftLedger {
  path: string;
  header: LedgerHeader;
  entries: LedgerEntry[];
  /** Whether the run that wrote it is still alive (then its faults are its own business). */
  running: boolean;
}

export function readLedgers(directory: string): LeftLedger[] {
  let files: string[];
  try {
    files = readdirSync(directory).filter((file) => file.endsWith('.jsonl'));
  } catch {
    return [];
  }
  return files.sort().map((file) => readLedger(join(directory, file)));
}

/** One ledger file: its header, its entries, and whether the run that wrote it is alive. */
export function readLedger(path: string): LeftLedger {
  const [header, ...entries] = readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as unknown);
  const typed = header as LedgerHeader;
  return { path, header: typed, entries: entries as LedgerEntry[], running: isAlive(typed.pid) };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return pid !== process.pid;
  } catch {
    return false;
  }
}
