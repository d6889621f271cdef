import { isDeepStrictEqual } from 'node:util';
import type { FaultlineClient, ProxyJson } from '../../client/index.js';
import { FaultlineApiError } from '../../client/errors.js';
import { isSystemUndo, type LedgerEntry, type ProxyUndo } from '../../model/ledger.js';
import { proxyBody } from '../../model/proxy-body.js';
import { REDACTED_KEY } from '../../model/tls-spec.js';
import type { ProviderContext } from './provider.js';

/**
 * What a run records when it creates, deletes or resets proxies. A deleted proxy is an outage,
 * like a disabled one: it is recorded as it was before the run, so rollback and halt create it
 * again. A reset removes faults and makes none, so it records nothing.
 */

type Definition = Extract<ProxyUndo, { kind: 'recreate-proxy' }>['body'];
type ProxyEntry = LedgerEntry & { undo: ProxyUndo };

/** The run's entries still in place for proxies of `server` that `wanted` picks, oldest first. */
function liveProxyEntries(
  context: ProviderContext,
  server: string,
  wanted: (undo: ProxyUndo) => boolean,
): ProxyEntry[] {
  return context.ledger
    .live()
    .filter(
      (entry): entry is ProxyEntry =>
        entry.server === server && !isSystemUndo(entry.undo) && wanted(entry.undo),
    );
}

/**
 * A fault the run took back itself (its rollback removed the toxic or deleted the proxy) is
 * settled in the run's ledger, so the ledger holds exactly what is still in place.
 */
export function settleProxyFaults(
  context: ProviderContext,
  server: string,
  done: (undo: ProxyUndo) => boolean,
): void {
  for (const entry of liveProxyEntries(context, server, done)) context.ledger.settle(entry.seq);
}

/**
 * Records a proxy the run created. One that puts back, exactly as it was, a proxy the run
 * deleted settles that deletion instead: the server is as before the run.
 */
export function recordCreated(context: ProviderContext, server: string, proxy: ProxyJson): void {
  const deleted = liveProxyEntries(
    context,
    server,
    (undo) => undo.kind === 'recreate-proxy' && undo.proxy === proxy.name,
  )[0];
  if (deleted?.undo.kind === 'recreate-proxy' && sameDefinition(deleted.undo.body, definitionOf(proxy, []))) {
    context.ledger.settle(deleted.seq);
    return;
  }
  context.ledger.record({
    server,
    description: `created proxy ${proxy.name}`,
    undo: {
      kind: 'delete-proxy',
      proxy: proxy.name,
      made: {
        listen: proxy.listen,
        upstream: proxy.upstream,
        ...(proxy.protocol ? { protocol: proxy.protocol } : {}),
      },
    },
  });
}

/**
 * Deletes a proxy. One the run created goes with every entry about it. One that was there
 * before is recorded first, as it was before the run: the run's toxics on it and its changes to
 * it fold into that one record, which rollback turns into POST /proxies with its toxics.
 */
export async function deleteProxy(client: FaultlineClient, context: ProviderContext, name: string) {
  const server = client.url;
  const about = (undo: ProxyUndo) => undo.proxy === name;
  const created = liveProxyEntries(context, server, (undo) => undo.kind === 'delete-proxy' && about(undo));
  let seq: number | undefined;
  let folded: ProxyEntry[] = [];
  if (created.length === 0) {
    const before = await client.proxy(name).catch((error: unknown) => {
      if (error instanceof FaultlineApiError && error.status === 404) return undefined;
      throw error;
    });
    if (before) {
      folded = liveProxyEntries(
        context,
        server,
        (undo) => about(undo) && (undo.kind === 'remove-toxic' || undo.kind === 'update-proxy'),
      );
      const definition = definitionOf(before, folded);
      seq = context.ledger.record({
        server,
        description: `deleted proxy ${name} (${definition.listen} -> ${definition.upstream}, ${definition.enabled ? 'enabled' : 'disabled'}, ${definition.toxics.length} toxic(s))`,
        undo: { kind: 'recreate-proxy', proxy: name, body: definition },
      });
      const hidden = (['tls', 'upstream_tls'] as const).filter(
        (field) => (definition[field] as { key?: unknown } | undefined)?.key === REDACTED_KEY,
      );
      if (hidden.length > 0)
        context.warn(
          `proxy ${name} has a private key the server never shows (${hidden.join(' and ')}): rollback cannot create it again; keep the file that holds its key`,
        );
    }
  }
  try {
    await client.deleteProxy(name);
  } catch (error) {
    if (seq !== undefined) context.ledger.settle(seq);
    context.warn((error as Error).message);
    if (!(error instanceof FaultlineApiError && error.status === 404)) return;
  }
  if (seq === undefined) settleProxyFaults(context, server, about);
  else for (const entry of folded) context.ledger.settle(entry.seq);
}

/**
 * POST /reset: the run's toxics and the proxies it disabled are back as before, so their entries
 * are settled. What else the reset removed (toxics the run had not added, proxies it had not
 * disabled) is said, not recorded: rollback after a reset would otherwise add faults back.
 */
export async function resetProxies(client: FaultlineClient, context: ProviderContext): Promise<void> {
  const server = client.url;
  const before = Object.values(await client.proxies());
  await client.reset();
  const added = liveProxyEntries(context, server, (undo) => undo.kind === 'remove-toxic').map(
    ({ undo }) => `${undo.proxy}/${'toxic' in undo ? undo.toxic : ''}`,
  );
  const disabled = liveProxyEntries(
    context,
    server,
    (undo) => undo.kind === 'update-proxy' && undo.body.enabled === true,
  ).map(({ undo }) => undo.proxy);
  const now = new Map(before.map((proxy) => [proxy.name, proxy]));
  settleProxyFaults(context, server, (undo) => {
    if (undo.kind === 'remove-toxic' || undo.kind === 'update-toxic') return true;
    if (undo.kind !== 'update-proxy') return false;
    const proxy = now.get(undo.proxy);
    const { listen, upstream, enabled } = undo.body;
    return (
      proxy !== undefined &&
      (listen === undefined || listen === proxy.listen) &&
      (upstream === undefined || upstream === proxy.upstream) &&
      enabled !== false
    );
  });
  const otherToxics = before.flatMap((proxy) =>
    proxy.toxics.map((toxic) => `${proxy.name}/${toxic.name}`).filter((name) => !added.includes(name)),
  );
  const otherProxies = before
    .filter((proxy) => !proxy.enabled && !disabled.includes(proxy.name))
    .map((proxy) => proxy.name);
  if (otherToxics.length + otherProxies.length === 0) return;
  const parts = [
    ...(otherToxics.length > 0
      ? [`removed ${otherToxics.length} toxic(s) this run had not added (${listed(otherToxics)})`]
      : []),
    ...(otherProxies.length > 0
      ? [`enabled ${otherProxies.length} proxy(ies) this run had not disabled (${listed(otherProxies)})`]
      : []),
  ];
  context.warn(
    `the reset also ${parts.join(' and ')}: a reset removes faults, so the ledger records none of this and no rollback or halt puts it back`,
  );
}

/**
 * A proxy as the API shows it, put back as it was before the run: the toxics the run added are
 * left out and the run's change to listen, upstream or enabled is taken back.
 */
function definitionOf(proxy: ProxyJson, folded: readonly ProxyEntry[]): Definition {
  const { toxics, ...body } = proxyBody(proxy);
  const settings: Partial<typeof body> = { ...body };
  delete settings.name;
  const added = new Set(folded.flatMap(({ undo }) => (undo.kind === 'remove-toxic' ? [undo.toxic] : [])));
  const changed = folded.flatMap(({ undo }) => (undo.kind === 'update-proxy' ? [undo.body] : []))[0] ?? {};
  const restored = Object.fromEntries(Object.entries(changed).filter(([, value]) => value !== undefined));
  return {
    ...settings,
    ...restored,
    toxics: toxics.filter((toxic) => !added.has(toxic.name ?? '')),
  } as Definition;
}

function sameDefinition(a: Definition, b: Definition): boolean {
  return isDeepStrictEqual(JSON.parse(JSON.stringify(a)), JSON.parse(JSON.stringify(b)));
}

function listed(names: readonly string[]): string {
  const shown = names.slice(0, 10).join(', ');
  return names.length > 10 ? `${shown} and ${names.length - 10} more` : shown;
}
