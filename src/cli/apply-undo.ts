import type { FaultlineClient } from '../client/index.js';
import { type Match, wholeMatch } from '../model/match.js';
import { unchecked } from '../model/toxic-body.js';
import { REDACTED_KEY } from '../model/tls-spec.js';
import type { ProxyJson, ToxicJson, UpdateProxyBody } from '../model/wire.js';
import { proxyBody, toxicBody } from '../model/proxy-body.js';

/**
 * How to take back one change `apply` made, from the server's state before the apply. A step
 * that cannot be taken back says why: the API never shows a private key, so a certificate and
 * key replaced or deleted cannot be put back.
 */
export interface Undo {
  /** What the step restores, e.g. "delete proxy w". */
  what: string;
  run(client: FaultlineClient): Promise<unknown>;
  /** Set when the step cannot restore everything. */
  lost?: string;
}

export const undoCreate = (name: string): Undo => ({
  what: `delete proxy ${name}`,
  run: (client) => client.deleteProxy(name),
});

export function undoUpdate(before: ProxyJson, body: UpdateProxyBody): Undo {
  const back: UpdateProxyBody = {};
  if (body.listen !== undefined) back.listen = before.listen;
  if (body.upstream !== undefined) back.upstream = before.upstream;
  if (body.enabled !== undefined) back.enabled = before.enabled;
  if (body.header_faults !== undefined) back.header_faults = before.header_faults ?? false;
  if (body.idle_timeout !== undefined && before.idle_timeout !== undefined)
    back.idle_timeout = before.idle_timeout;
  const lost: string[] = [];
  if (body.tls !== undefined) {
    if (holdsRedactedKey(before.tls)) lost.push('tls');
    else back.tls = before.tls ?? null;
  }
  if (body.upstream_tls !== undefined) {
    if (holdsRedactedKey(before.upstream_tls)) lost.push('upstream_tls');
    else back.upstream_tls = before.upstream_tls ?? null;
  }
  return {
    what: `restore proxy ${before.name}`,
    run: (client) => client.updateProxy(before.name, back),
    ...(lost.length > 0 ? { lost: keyLost(before.name, lost) } : {}),
  };
}

export function undoDelete(before: ProxyJson): Undo {
  const lost = (['tls', 'upstream_tls'] as const).filter((field) => holdsRedactedKey(before[field]));
  if (lost.length > 0)
    return {
      what: `recreate proxy ${before.name}`,
      run: async () => undefined,
      lost: keyLost(before.name, lost),
    };
  const { toxics, ...proxy } = proxyBody(before);
  return {
    what: `recreate proxy ${before.name}`,
    run: async (client) => {
      await client.createProxy({ ...proxy, toxics: [] });
      for (const toxic of toxics) await client.addToxic(before.name, unchecked(toxic));
    },
  };
}

export const undoAddToxic = (proxy: string, name: string): Undo => ({
  what: `remove toxic ${proxy}/${name}`,
  run: (client) => client.removeToxic(proxy, name),
});

export const undoUpdateToxic = (proxy: string, before: ToxicJson): Undo => ({
  what: `restore toxic ${proxy}/${before.name}`,
  run: (client) =>
    client.updateToxic(proxy, before.name, {
      attributes: { ...before.attributes, match: wholeMatch(before.attributes.match) as Match },
      toxicity: before.toxicity,
    }),
});

export const undoRemoveToxic = (proxy: string, before: ToxicJson): Undo => ({
  what: `add back toxic ${proxy}/${before.name}`,
  run: (client) => client.addToxic(proxy, unchecked(toxicBody(before))),
});

function holdsRedactedKey(spec: object | undefined): boolean {
  return spec !== undefined && 'key' in spec && spec.key === REDACTED_KEY;
}

function keyLost(name: string, fields: readonly string[]): string {
  return `the ${fields.join(' and ')} private key of proxy ${name} cannot be put back (the server never shows private keys); apply the file that holds it again`;
}
