import { normalizeUrl } from '../client/index.js';
import type { LedgerEntry } from '../model/ledger.js';
import { type LeftLedger, type LedgerScan, removeIfFinished, settleEntries } from './ledger.js';

/**
 * Discarding ledger entries on purpose, undoing nothing: for faults that went with their server
 * (a CI container torn down) or were dealt with by hand, which would otherwise fail every later
 * rollback and halt. A selector is a run's id (as `faultline rollback` prints it), or a server's
 * URL, which picks the entries made through that server in every ledger.
 */

export interface Forgotten {
  ledger: LeftLedger;
  entries: LedgerEntry[];
}

/** The entries the selectors pick, ledger by ledger; a selector that picks nothing is `unmatched`. */
export function pickForgotten(
  scan: LedgerScan,
  selectors: readonly string[],
): { picked: Forgotten[]; unmatched: string[] } {
  const unmatched: string[] = [];
  const chosen = new Map<LeftLedger, Set<LedgerEntry>>();
  for (const selector of selectors) {
    let matched = false;
    for (const ledger of scan.ledgers) {
      const entries = picks(ledger, selector);
      if (entries === undefined) continue;
      matched = true;
      const set = chosen.get(ledger) ?? new Set();
      for (const entry of entries) set.add(entry);
      chosen.set(ledger, set);
    }
    if (!matched) unmatched.push(selector);
  }
  const picked = scan.ledgers.flatMap((ledger) => {
    const set = chosen.get(ledger);
    return set ? [{ ledger, entries: ledger.entries.filter((entry) => set.has(entry)) }] : [];
  });
  return { picked, unmatched };
}

/** Settles the entries without undoing them; the file goes once nothing is left in it. */
export function forget({ ledger, entries }: Forgotten): void {
  settleEntries(
    ledger.path,
    entries.map((entry) => entry.seq),
  );
  removeIfFinished(ledger.path);
}

/** What the ledgers hold that a selector can name: run ids and servers. */
export function selectorsIn(scan: LedgerScan): string[] {
  const servers = scan.ledgers.flatMap((ledger) =>
    ledger.entries.flatMap((entry) => (entry.server === undefined ? [] : [entry.server])),
  );
  return [...scan.ledgers.map((ledger) => ledger.header.run), ...new Set(servers)];
}

/** A run's ledger, whole; a server's entries in a ledger, when it holds any. */
function picks(ledger: LeftLedger, selector: string): LedgerEntry[] | undefined {
  if (!isServer(selector)) return ledger.header.run === selector ? ledger.entries : undefined;
  const entries = ledger.entries.filter(
    (entry) => entry.server !== undefined && sameServer(entry.server, selector),
  );
  return entries.length > 0 ? entries : undefined;
}

/** Run ids never hold ':' or '/'; a URL or HOST:PORT always does. */
function isServer(selector: string): boolean {
  return /[:/]/.test(selector);
}

/** Whether two recorded servers are the same control API (`http://` and a trailing / aside). */
export function sameServer(a: string, b: string): boolean {
  return canonical(a) === canonical(b);
}

function canonical(url: string): string {
  const normal = normalizeUrl(url);
  return URL.canParse(normal) ? new URL(normal).href.replace(/\/+$/, '') : normal;
}
