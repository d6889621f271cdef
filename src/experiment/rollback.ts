import { createClient } from '../client/index.js';
import { FaultlineApiError } from '../client/errors.js';
import { type SystemUndo, systemUndoKinds, undoSystem } from '../system/undo.js';
import type { LedgerEntry, LeftLedger, ProxyUndo } from './ledger.js';

/** Undoes one recorded fault; a proxy, toxic, process or cgroup that is already gone counts as undone. */
export async function undo(entry: LedgerEntry): Promise<'undone' | 'already gone'> {
  if (systemUndoKinds.has(entry.undo.kind)) return undoSystem(entry.undo as SystemUndo);
  const client = createClient({ url: entry.server ?? 'http://127.0.0.1:8474' });
  try {
    const step = entry.undo as ProxyUndo;
    switch (step.kind) {
      case 'delete-proxy':
        await client.deleteProxy(step.proxy);
        break;
      case 'remove-toxic':
        await client.removeToxic(step.proxy, step.toxic);
        break;
      case 'update-proxy':
        await client.updateProxy(step.proxy, step.body);
        break;
      case 'update-toxic':
        await client.updateToxic(step.proxy, step.toxic, step.body);
        break;
    }
    return 'undone';
  } catch (error) {
    if (error instanceof FaultlineApiError && error.status === 404) return 'already gone';
    throw error;
  }
}

/** Undoes a left-behind ledger, newest fault first. */
export async function undoLedger(ledger: LeftLedger, report: (line: string) => void): Promise<void> {
  for (const entry of [...ledger.entries].reverse()) {
    const result = await undo(entry);
    report(`${result}: ${describeEntry(entry)}`);
  }
}

export function describeEntry(entry: LedgerEntry): string {
  return entry.server ? `${entry.description} (${entry.server})` : entry.description;
}
