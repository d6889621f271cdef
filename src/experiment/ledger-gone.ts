import type { Ledger } from '../model/ledger.js';
import { describeEntry, nothingLeftOf } from './rollback.js';

const changeKinds = new Set(['recreate-proxy', 'update-proxy', 'update-toxic']);

/**
 * Settles the run's live entries whose fault is gone already: a rollback took it back another way
 * (`curl -X DELETE`, `kill -CONT`, a Python function), or it ended by itself. Checked as
 * `faultline rollback --dry-run` checks (the server answers 404, the process runs again, the
 * cgroup is gone), so the journal's `faults_left` lists only what may still be in place. An entry
 * that cannot be checked (its server does not answer) stays. Returns what was settled, with why.
 */
export async function settleGone(ledger: Ledger): Promise<string[]> {
  const settled: string[] = [];
  for (const entry of ledger.live()) {
    // A proxy changed or deleted is put back as it was: one that exists again, or was deleted
    // since, is not necessarily as it was, so it stays listed.
    if (changeKinds.has(entry.undo.kind)) continue;
    let why: string | undefined;
    try {
      why = await nothingLeftOf(entry);
    } catch {
      continue;
    }
    if (why === undefined) continue;
    ledger.settle(entry.seq);
    settled.push(`${describeEntry(entry)} (${why})`);
  }
  return settled;
}
