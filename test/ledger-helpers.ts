import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** When a left-behind ledger's entries were recorded, unless an entry says otherwise. */
export const RECORDED = '2026-01-01T00:00:01.000Z';

/**
 * A ledger file as a run writes it, in a private `directory`, with each entry's time given (else
 * RECORDED). Its header names this process, so it reads as a run that ended, never as a live one.
 */
export function writeLeftLedger(directory: string, run: string, entries: object[]): string {
  mkdirSync(directory, { recursive: true, mode: 0o700 });
  const path = join(directory, `${run}.jsonl`);
  const header = {
    format: 1,
    run,
    pid: process.pid,
    startTime: '1',
    uid: process.getuid!(),
    cwd: '/',
    experiment: 'left behind',
    started: '2026-01-01T00:00:00.000Z',
  };
  const lines = [header, ...entries.map((entry, index) => ({ seq: index + 1, time: RECORDED, ...entry }))];
  writeFileSync(path, lines.map((line) => `${JSON.stringify(line)}\n`).join(''), { mode: 0o600 });
  return path;
}
