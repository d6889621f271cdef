import { createClient } from '../client/index.js';
import { FaultlineApiError } from '../client/errors.js';
import { isSystemUndo, type LedgerEntry, type ProxyUndo } from '../model/ledger.js';
import { explainSystemUndo, nothingLeftToUndo, type UndoOutcome, undoSystem } from '../system/undo.js';
import { type LeftLedger, removeIfFinished, settleEntries } from './ledger.js';

const DEFAULT_SERVER = 'http://127.0.0.1:8474';

/**
 * Undoes one recorded fault; a proxy, toxic, process or cgroup that is already gone counts as
 * undone. `token` is the token of the entry's server, when the caller knows it.
 */
export async function undo(entry: LedgerEntry, token?: string): Promise<UndoOutcome> {
  if (isSystemUndo(entry.undo)) return undoSystem(entry.undo);
  const client = createClient({
    url: entry.server ?? DEFAULT_SERVER,
    ...(token === undefined ? {} : { token }),
  });
  const step: ProxyUndo = entry.undo;
  try {
    switch (step.kind) {
      case 'delete-proxy':
        await client.deleteProxy(step.proxy);
        break;
      case 'remove-toxic':
        await client.removeToxic(step.proxy, step.toxic);
        break;
      case 'update-proxy':
        await client.updateProxy(step.proxy, withoutUndefined(step.body));
        break;
      case 'update-toxic':
        await client.updateToxic(step.proxy, step.toxic, withoutUndefined(step.body));
        break;
    }
    return { result: 'undone' };
  } catch (error) {
    if (error instanceof FaultlineApiError && error.status === 404) return { result: 'already gone' };
    throw error;
  }
}

/**
 * Why `undo` would find nothing left of an entry's fault, or undefined when it would act: the
 * system undo's own check, or for a proxy fault whether the server still has the proxy or toxic
 * (the 404 that makes `undo` say "already gone"). A server that cannot be asked throws, as `undo`
 * would fail.
 */
export async function nothingLeftOf(entry: LedgerEntry, token?: string): Promise<string | undefined> {
  if (isSystemUndo(entry.undo)) return nothingLeftToUndo(entry.undo);
  const server = entry.server ?? DEFAULT_SERVER;
  const client = createClient({ url: server, ...(token === undefined ? {} : { token }) });
  const step: ProxyUndo = entry.undo;
  try {
    if (step.kind === 'delete-proxy' || step.kind === 'update-proxy') await client.proxy(step.proxy);
    else await client.toxic(step.proxy, step.toxic);
    return undefined;
  } catch (error) {
    if (error instanceof FaultlineApiError && error.status === 404)
      return `${server} answers: ${error.message}`;
    throw error;
  }
}

/** Exactly what `undo` would do for an entry: the request, signal or commands. */
export function explainUndo(entry: LedgerEntry): string {
  if (isSystemUndo(entry.undo)) return explainSystemUndo(entry.undo);
  const server = entry.server ?? DEFAULT_SERVER;
  const proxy = `${server}/proxies/${encodeURIComponent(entry.undo.proxy)}`;
  switch (entry.undo.kind) {
    case 'delete-proxy':
      return `DELETE ${proxy}`;
    case 'remove-toxic':
      return `DELETE ${proxy}/toxics/${encodeURIComponent(entry.undo.toxic)}`;
    case 'update-proxy':
      return `PATCH ${proxy} ${JSON.stringify(entry.undo.body)}`;
    case 'update-toxic':
      return `PATCH ${proxy}/toxics/${encodeURIComponent(entry.undo.toxic)} ${JSON.stringify(entry.undo.body)}`;
  }
}

/**
 * Undoes entries newest first, settling each one as soon as it is undone (so an interrupted
 * rollback never repeats it). Failures are reported and counted; the rest still run.
 */
export async function undoEntries(
  entries: LedgerEntry[],
  report: (line: string) => void,
  settle: (seq: number) => void,
): Promise<{ failed: number }> {
  let failed = 0;
  for (const entry of [...entries].reverse()) {
    try {
      const outcome = await undo(entry);
      settle(entry.seq);
      report(`${outcome.result}: ${describeEntry(entry)}${outcome.note ? ` (${outcome.note})` : ''}`);
    } catch (error) {
      failed += 1;
      report(`failed: ${describeEntry(entry)}: ${(error as Error).message}`);
    }
  }
  return { failed };
}

/** Undoes a left-behind ledger, newest fault first; the file goes once nothing is left in it. */
export async function undoLedger(
  ledger: LeftLedger,
  report: (line: string) => void,
): Promise<{ failed: number }> {
  const outcome = await undoEntries(ledger.entries, report, (seq) => settleEntries(ledger.path, [seq]));
  removeIfFinished(ledger.path);
  return outcome;
}

export function describeEntry(entry: LedgerEntry): string {
  return entry.server ? `${entry.description} (${entry.server})` : entry.description;
}

/** A record's optional fields as the client's bodies expect them: absent, never undefined. */
function withoutUndefined<T extends object>(value: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as {
    [K in keyof T]: Exclude<T[K], undefined>;
  };
}
