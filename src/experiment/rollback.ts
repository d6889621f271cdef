import { uncheckedProxy } from '../model/toxic-body.js';
import { createClient } from '../client/index.js';
import { FaultlineApiError } from '../client/errors.js';
import { isSystemUndo, type LedgerEntry, type ProxyUndo } from '../model/ledger.js';
import { REDACTED_KEY } from '../model/tls-spec.js';
import type { CreateProxyBody } from '../model/wire.js';
import { explainSystemUndo, nothingLeftToUndo, type UndoOutcome, undoSystem } from '../system/undo.js';
import { type LeftLedger, removeIfFinished, settleEntries } from './ledger.js';
import { supersededBy } from './ledger-superseded.js';
import { notOursAnyMore } from './ledger-not-ours.js';

const DEFAULT_SERVER = 'http://127.0.0.1:8474';

/**
 * `rollback` puts back the state before the run; `halt` stops faults and never adds one: a
 * deleted proxy comes back enabled, without toxics or header-driven faults, and a proxy the run
 * enabled is not disabled again.
 */
export type UndoMode = 'rollback' | 'halt';

/**
 * Undoes one recorded fault; a proxy, toxic, process or cgroup that is already gone counts as
 * undone, and a proxy or toxic made again by someone else is left (settled, not deleted). `token` is the token of the entry's server, when the caller knows it.
 */
export async function undo(
  entry: LedgerEntry,
  token?: string,
  mode: UndoMode = 'rollback',
): Promise<UndoOutcome> {
  if (isSystemUndo(entry.undo)) return undoSystem(entry.undo);
  const client = createClient({ url: entry.server ?? DEFAULT_SERVER, token });
  const step: ProxyUndo = entry.undo;
  try {
    const notOurs = await notOursAnyMore(step, client);
    if (notOurs !== undefined) return { result: 'left', note: notOurs };
    switch (step.kind) {
      case 'delete-proxy':
        await client.deleteProxy(step.proxy);
        break;
      case 'recreate-proxy':
        return await recreateProxy(client, step, mode);
      case 'remove-toxic':
        await client.removeToxic(step.proxy, step.toxic);
        break;
      case 'update-proxy': {
        const { enabled, ...rest } = step.body;
        if (mode === 'halt' && enabled === false) {
          if (Object.keys(withoutUndefined(rest)).length > 0)
            await client.updateProxy(step.proxy, withoutUndefined(rest));
          return { result: 'undone', note: 'left enabled: halt disables no proxy' };
        }
        await client.updateProxy(step.proxy, withoutUndefined(step.body));
        break;
      }
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
 * Why halt leaves an entry in place, or undefined when it undoes it. A lab (`net create`) is where
 * faults are put and the user's programs run, not a fault: halt undoes the partitions, limits and
 * delays in it, recorded apart, and leaves the lab and its entry, which `faultline rollback` undoes.
 */
export function leftByHalt(entry: LedgerEntry): string | undefined {
  if (entry.undo.kind !== 'destroy-lab') return undefined;
  const { lab } = entry.undo;
  return `a lab is where faults run, not a fault: halt leaves it, and what runs in it; "faultline net destroy ${lab}" or "faultline rollback" removes it`;
}

type RecreateProxy = Extract<ProxyUndo, { kind: 'recreate-proxy' }>;

/** The request that creates a deleted proxy again: as it was, or, for halt, without any fault. */
function recreateBody(step: RecreateProxy, mode: UndoMode): CreateProxyBody {
  const { header_faults, toxics, ...definition } = step.body;
  const body = { name: step.proxy, ...withoutUndefined(definition) } as CreateProxyBody;
  if (mode === 'rollback') return { ...body, ...withoutUndefined({ header_faults }), toxics };
  return { ...body, enabled: true };
}

async function recreateProxy(
  client: ReturnType<typeof createClient>,
  step: RecreateProxy,
  mode: UndoMode,
): Promise<UndoOutcome> {
  const hidden = (['tls', 'upstream_tls'] as const).filter((field) => step.body[field]?.key === REDACTED_KEY);
  if (hidden.length > 0)
    throw new Error(
      `proxy ${step.proxy} cannot be created again: the server never shows private keys, so its ${hidden.join(' and ')} key was not recorded; create it with its key (faultline create ... --tls-key FILE, or faultline apply FILE)`,
    );
  try {
    await client.createProxy(uncheckedProxy(recreateBody(step, mode)));
  } catch (error) {
    if (error instanceof FaultlineApiError && error.status === 409)
      return { result: 'already gone', note: `proxy ${step.proxy} exists again: left as it is` };
    throw error;
  }
  if (mode === 'rollback') return { result: 'undone' };
  const left = [
    ...(step.body.toxics.length > 0 ? [`its ${step.body.toxics.length} toxic(s)`] : []),
    ...(step.body.header_faults ? ['header-driven faults'] : []),
  ];
  return {
    result: 'undone',
    note: `created enabled${left.length > 0 ? `, without ${left.join(' or ')}` : ''}: halt adds no fault`,
  };
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
  const client = createClient({ url: server, token });
  const step: ProxyUndo = entry.undo;
  if (step.kind === 'recreate-proxy') return proxyExistsAgain(client, step.proxy);
  try {
    if (step.kind === 'delete-proxy' || step.kind === 'update-proxy') await client.proxy(step.proxy);
    else await client.toxic(step.proxy, step.toxic);
    return undefined;
  } catch (error) {
    if (error instanceof FaultlineApiError && error.status === 404)
      return `${server} answers: ${error.reason}`;
    throw error;
  }
}

/**
 * Why `undo` would leave an entry's proxy or toxic alone, being not what the run made (someone
 * made it again), or undefined. A server that cannot be asked throws, as `undo` would fail.
 */
export async function notOursOf(entry: LedgerEntry, token?: string): Promise<string | undefined> {
  if (isSystemUndo(entry.undo)) return undefined;
  return notOursAnyMore(entry.undo, createClient({ url: entry.server ?? DEFAULT_SERVER, token }));
}

/** A deleted proxy is recreated unless the server has a proxy of that name again (undo's 409). */
async function proxyExistsAgain(
  client: ReturnType<typeof createClient>,
  proxy: string,
): Promise<string | undefined> {
  try {
    await client.proxy(proxy);
    return `proxy ${proxy} exists again: left as it is`;
  } catch (error) {
    if (error instanceof FaultlineApiError && error.status === 404) return undefined;
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
    case 'recreate-proxy':
      return `POST ${server}/proxies ${JSON.stringify(recreateBody(entry.undo, 'rollback'))}`;
    case 'remove-toxic':
      return `DELETE ${proxy}/toxics/${encodeURIComponent(entry.undo.toxic)}`;
    case 'update-proxy':
      return `PATCH ${proxy} ${JSON.stringify(entry.undo.body)}`;
    case 'update-toxic':
      return `PATCH ${proxy}/toxics/${encodeURIComponent(entry.undo.toxic)} ${JSON.stringify(entry.undo.body)}`;
  }
}

/** What `undoEach` does with each entry, and how it undoes it. */
export interface UndoSteps {
  /** Rollback (the default) puts back the state before the run; halt never adds a fault. */
  mode?: UndoMode;
  /** The token of the entry's server, when the caller knows it. */
  token?: (entry: LedgerEntry) => string | undefined;
  /** Why the entry stays live and untouched (halt leaves a lab), or undefined. */
  keep?: (entry: LedgerEntry) => string | undefined;
  /** Why the entry's fault is gone already (it is settled untouched), or undefined. */
  goneAlready?: (entry: LedgerEntry) => string | undefined;
  settle(seq: number): void;
  kept?(entry: LedgerEntry, why: string): void;
  gone?(entry: LedgerEntry, why: string): void;
  /** Undone, already gone or left (not the run's any more): settled either way. */
  done(entry: LedgerEntry, outcome: UndoOutcome): void;
  /** The undo threw: the entry stays live, for the next rollback or halt. */
  failed(entry: LedgerEntry, error: unknown): void;
}

/**
 * The one loop of rollback and halt: undoes entries newest first, settling each one as soon as
 * it is undone (so an interrupted rollback never repeats it). A failure is handed to `failed` and
 * the rest still run.
 */
export async function undoEach(entries: readonly LedgerEntry[], steps: UndoSteps): Promise<void> {
  for (const entry of [...entries].reverse()) {
    const kept = steps.keep?.(entry);
    if (kept !== undefined) {
      steps.kept?.(entry, kept);
      continue;
    }
    const gone = steps.goneAlready?.(entry);
    if (gone !== undefined) {
      steps.settle(entry.seq);
      steps.gone?.(entry, gone);
      continue;
    }
    try {
      const outcome = await undo(entry, steps.token?.(entry), steps.mode);
      steps.settle(entry.seq);
      steps.done(entry, outcome);
    } catch (error) {
      steps.failed(entry, error);
    }
  }
}

/**
 * Undoes entries newest first, settling each one as soon as it is undone (so an interrupted
 * rollback never repeats it). Failures are reported and counted; the rest still run. Given the
 * run of a left-behind ledger, a failure says how to discard what cannot be undone.
 */
export async function undoEntries(
  entries: LedgerEntry[],
  report: (line: string) => void,
  settle: (seq: number) => void,
  run?: string,
  goneAlready: (entry: LedgerEntry) => string | undefined = () => undefined,
): Promise<{ failed: number }> {
  let failed = 0;
  await undoEach(entries, {
    goneAlready,
    settle,
    gone: (entry, why) => report(`already gone: ${describeEntry(entry)} (${why})`),
    done: (entry, outcome) => report(describeOutcome(entry, outcome)),
    failed: (entry, error) => {
      failed += 1;
      const advice = run === undefined ? '' : `; ${forgetAdvice(entry, run, error)}`;
      report(`failed: ${describeEntry(entry)}: ${(error as Error).message}${advice}`);
    },
  });
  return { failed };
}

/**
 * How to stop an entry that cannot be undone from failing every later rollback and halt: a
 * server that is gone for good (a CI container torn down) takes its faults with it.
 */
export function forgetAdvice(entry: LedgerEntry, run: string, error: unknown): string {
  // The ledger keeps no token: a server that wants one refuses the undo until the caller gives it.
  if (entry.server !== undefined && error instanceof FaultlineApiError && error.status === 401)
    return `${entry.server} wants its token, which the ledger does not keep: set FAULTLINE_TOKEN to the server's token and run "faultline rollback" again`;
  if (entry.server !== undefined && error instanceof FaultlineApiError && error.status === 0)
    return `if ${entry.server} is gone for good, "faultline rollback --forget ${entry.server}" discards what the ledger holds for it, undoing nothing`;
  return `once it is dealt with by hand, "faultline rollback --forget ${run}" discards the run's entries, undoing nothing`;
}

/**
 * Undoes a left-behind ledger, newest fault first; the file goes once nothing is left in it. An
 * entry whose fault one of `leftAlone` (runs this rollback does not undo, being alive) made again
 * later is settled untouched: undoing it would undo that run's fault.
 */
export async function undoLedger(
  ledger: LeftLedger,
  report: (line: string) => void,
  leftAlone: readonly LeftLedger[] = [],
): Promise<{ failed: number }> {
  const outcome = await undoEntries(
    ledger.entries,
    report,
    (seq) => settleEntries(ledger.path, [seq]),
    ledger.header.run,
    (entry) => supersededBy(entry, leftAlone),
  );
  removeIfFinished(ledger.path);
  return outcome;
}

/**
 * One line for an undone entry: "undone: created proxy api (server)", with the outcome's note in
 * parentheses; a left one says why and what to do ("left: ...: proxy api is not the one ...").
 */
export function describeOutcome(entry: LedgerEntry, outcome: UndoOutcome): string {
  if (outcome.result === 'left') return `left: ${leftAlone(entry, outcome.note)}`;
  return `${outcome.result}: ${describeEntry(entry)}${outcome.note ? ` (${outcome.note})` : ''}`;
}

/** An entry left in place, and why: "created proxy api (server): proxy api is not the one ...". */
export function leftAlone(entry: LedgerEntry, why: string | undefined): string {
  return `${describeEntry(entry)}: ${why ?? "not the run's any more"}`;
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
