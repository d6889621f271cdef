import { DEFAULT_IDLE_TIMEOUT_MS, DEFAULT_PROTOCOL } from '../model/protocol.js';
import { wholeMatch } from '../model/match.js';
import type { ProxySpec } from '../model/proxy-spec.js';
import { sameJson } from '../model/same-json.js';
import { sameOrigination, sameTermination } from '../model/tls-spec.js';
import { targetingKeys, type ToxicSpec, wireAttributes } from '../model/toxic.js';
import type { Attributes, JsonValue } from '../model/toxics/index.js';
import type {
  CreateProxyBody,
  CreateToxicBody,
  ProxyJson,
  ToxicJson,
  UpdateProxyBody,
  UpdateToxicBody,
} from '../model/wire.js';

/** One step that brings the server closer to the file, with the line `apply` prints for it. */
export type Change =
  | { kind: 'create-proxy'; spec: ProxySpec; line: string }
  | { kind: 'update-proxy'; name: string; body: UpdateProxyBody; line: string }
  | { kind: 'delete-proxy'; name: string; line: string }
  | { kind: 'add-toxic'; proxy: string; toxic: ToxicSpec; line: string }
  | { kind: 'update-toxic'; proxy: string; name: string; body: UpdateToxicBody; line: string }
  | { kind: 'remove-toxic'; proxy: string; name: string; line: string };

/**
 * What must change for the server to match `wanted`. A proxy without a toxics list in the file
 * gets none. Proxies on the server that the file does not name are deleted only with `prune`.
 */
export function planApply(
  current: Record<string, ProxyJson>,
  wanted: readonly ProxySpec[],
  prune: boolean,
): Change[] {
  const changes: Change[] = [];
  for (const spec of wanted) {
    const existing = current[spec.name];
    const protocol = spec.protocol ?? DEFAULT_PROTOCOL;
    const existingProtocol = existing?.protocol ?? DEFAULT_PROTOCOL;
    if (existing && existingProtocol !== protocol) {
      // A protocol cannot change in place: the proxy is made again.
      changes.push(
        {
          kind: 'delete-proxy',
          name: spec.name,
          line: `- proxy ${spec.name} (protocol ${existingProtocol})`,
        },
        {
          kind: 'create-proxy',
          spec,
          line: `+ proxy ${spec.name} ${spec.listen} -> ${spec.upstream} (protocol ${protocol})`,
        },
      );
      continue;
    }
    if (!existing) {
      changes.push({
        kind: 'create-proxy',
        spec,
        line: `+ proxy ${spec.name} ${spec.listen} -> ${spec.upstream}${protocol === DEFAULT_PROTOCOL ? '' : ` (protocol ${protocol})`}`,
      });
      continue;
    }
    const body: UpdateProxyBody = {};
    const differences: string[] = [];
    if (!sameListen(spec.listen, existing.listen)) {
      body.listen = spec.listen;
      differences.push(`listen ${existing.listen} -> ${spec.listen}`);
    }
    if (spec.upstream !== existing.upstream) {
      body.upstream = spec.upstream;
      differences.push(`upstream ${existing.upstream} -> ${spec.upstream}`);
    }
    if (spec.enabled !== existing.enabled) {
      body.enabled = spec.enabled;
      differences.push(spec.enabled ? 'enabled' : 'disabled');
    }
    if ((spec.headerFaults ?? false) !== (existing.header_faults ?? false)) {
      body.header_faults = spec.headerFaults ?? false;
      differences.push(`header_faults ${body.header_faults ? 'on' : 'off'}`);
    }
    // Left out of a udp proxy's entry, idle_timeout is the default, as a missing tls is no TLS.
    const idleTimeout = spec.idleTimeout ?? (protocol === 'udp' ? DEFAULT_IDLE_TIMEOUT_MS : undefined);
    if (idleTimeout !== undefined && idleTimeout !== existing.idle_timeout) {
      body.idle_timeout = idleTimeout;
      differences.push(`idle_timeout ${existing.idle_timeout ?? 'default'} -> ${idleTimeout}`);
    }
    if (!sameTermination(spec.tls, existing.tls)) {
      body.tls = spec.tls ?? null;
      differences.push(spec.tls ? (existing.tls ? 'tls changed' : 'tls on') : 'tls off');
    }
    if (!sameOrigination(spec.upstreamTls, existing.upstream_tls)) {
      body.upstream_tls = spec.upstreamTls ?? null;
      differences.push(
        spec.upstreamTls
          ? existing.upstream_tls
            ? 'upstream_tls changed'
            : 'upstream_tls on'
          : 'upstream_tls off',
      );
    }
    if (differences.length > 0) {
      changes.push({
        kind: 'update-proxy',
        name: spec.name,
        body,
        line: `~ proxy ${spec.name}: ${differences.join(', ')}`,
      });
    }
    changes.push(...planToxics(spec.name, existing.toxics, spec.toxics ?? []));
  }
  if (prune) {
    const named = new Set(wanted.map((spec) => spec.name));
    for (const name of Object.keys(current).sort()) {
      if (!named.has(name)) changes.push({ kind: 'delete-proxy', name, line: `- proxy ${name}` });
    }
  }
  return changes;
}

function planToxics(proxy: string, existing: readonly ToxicJson[], wanted: readonly ToxicSpec[]): Change[] {
  const changes: Change[] = [];
  const wantedByName = new Map(wanted.map((toxic) => [toxic.name, toxic]));
  const existingByName = new Map(existing.map((toxic) => [toxic.name, toxic]));
  const moved = outOfOrder(existing, wanted);
  for (const toxic of existing) {
    const target = wantedByName.get(toxic.name);
    if (!target || target.type !== toxic.type || target.stream !== toxic.stream) {
      changes.push({ kind: 'remove-toxic', proxy, name: toxic.name, line: `- toxic ${proxy}/${toxic.name}` });
    } else if (moved.has(toxic.name)) {
      changes.push({
        kind: 'remove-toxic',
        proxy,
        name: toxic.name,
        line: `- toxic ${proxy}/${toxic.name} (out of the file's order: added again)`,
      });
    }
  }
  for (const toxic of wanted) {
    const current = existingByName.get(toxic.name);
    if (!current || current.type !== toxic.type || current.stream !== toxic.stream || moved.has(toxic.name)) {
      changes.push({
        kind: 'add-toxic',
        proxy,
        toxic,
        line: `+ toxic ${proxy}/${toxic.name} (${toxic.type}, ${toxic.stream})`,
      });
      continue;
    }
    const attributes = wireAttributes(toxic);
    // Match and counters the server has but the file does not are cleared ({} and 0 turn them off).
    for (const key of targetingKeys) {
      if (current.attributes[key] !== undefined && attributes[key] === undefined)
        attributes[key] = key === 'match' ? {} : 0;
    }
    const differences = Object.entries(attributes)
      .filter(([key, value]) => !sameValue(current.attributes[key], value, key))
      .map(([key, value]) => `${key} ${text(current.attributes[key])} -> ${text(value)}`);
    if (current.toxicity !== toxic.toxicity)
      differences.push(`toxicity ${current.toxicity} -> ${toxic.toxicity}`);
    if (differences.length > 0) {
      changes.push({
        kind: 'update-toxic',
        proxy,
        name: toxic.name,
        // An update merges the match key by key: the file's match is sent whole, other keys as null.
        body: {
          attributes: { ...attributes, match: wholeMatch(attributes.match) as JsonValue },
          toxicity: toxic.toxicity,
        },
        line: `~ toxic ${proxy}/${toxic.name}: ${differences.join(', ')}`,
      });
    }
  }
  return changes;
}

/**
 * The toxics the server keeps that stand out of the file's order in their stream, where toxics
 * apply in the order they were added. Those after the longest prefix both orders share are
 * removed and added again in the file's order; new toxics go after them, as listed.
 */
function outOfOrder(existing: readonly ToxicJson[], wanted: readonly ToxicSpec[]): Set<string> {
  const moved = new Set<string>();
  const kept = (toxic: ToxicJson) =>
    wanted.some(
      (want) => want.name === toxic.name && want.type === toxic.type && want.stream === toxic.stream,
    );
  for (const stream of ['upstream', 'downstream']) {
    const serverOrder = existing
      .filter((toxic) => toxic.stream === stream && kept(toxic))
      .map((toxic) => toxic.name);
    const fileOrder = wanted.filter((toxic) => toxic.stream === stream).map((toxic) => toxic.name);
    let shared = 0;
    while (shared < serverOrder.length && serverOrder[shared] === fileOrder[shared]) shared++;
    for (const name of serverOrder.slice(shared)) moved.add(name);
  }
  return moved;
}

/** What `apply` prints for a change: a created proxy lists the toxics it is created with. */
export function changeLines(change: Change): string[] {
  if (change.kind !== 'create-proxy') return [change.line];
  const { spec } = change;
  return [
    change.line,
    ...(spec.toxics ?? []).map(
      (toxic) => `+ toxic ${spec.name}/${toxic.name} (${toxic.type}, ${toxic.stream})`,
    ),
  ];
}

/** "localhost:P" matches "127.0.0.1:P", and port 0 in the file matches whatever port was picked. */
export function sameListen(wanted: string, actual: string): boolean {
  const split = (address: string) => {
    const colon = address.lastIndexOf(':');
    const host = address.slice(0, colon).replace(/^\[|\]$/g, '');
    return { host: host === 'localhost' ? '127.0.0.1' : host, port: address.slice(colon + 1) };
  };
  const a = split(wanted);
  const b = split(actual);
  return a.host === b.host && (a.port === b.port || a.port === '0');
}

/** A cleared match or counter ({} or 0) equals one that is not there. */
function sameValue(
  current: Attributes[string] | undefined,
  wanted: Attributes[string],
  key: string,
): boolean {
  const cleared =
    (targetingKeys as readonly string[]).includes(key) && (wanted === 0 || JSON.stringify(wanted) === '{}');
  if (current === undefined) return cleared;
  return sameJson(current, wanted);
}

function text(value: Attributes[string] | undefined): string {
  return typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
}

/** The body POST /proxies takes for a proxy from a file: protocol and header_faults only when set. */
export function createProxyBody(spec: ProxySpec): CreateProxyBody {
  return {
    name: spec.name,
    listen: spec.listen,
    upstream: spec.upstream,
    enabled: spec.enabled,
    ...(spec.protocol === undefined || spec.protocol === DEFAULT_PROTOCOL ? {} : { protocol: spec.protocol }),
    ...(spec.headerFaults ? { header_faults: true } : {}),
    ...(spec.idleTimeout === undefined ? {} : { idle_timeout: spec.idleTimeout }),
    ...(spec.tls === undefined ? {} : { tls: spec.tls }),
    ...(spec.upstreamTls === undefined ? {} : { upstream_tls: spec.upstreamTls }),
    toxics: (spec.toxics ?? []).map(createToxicBody),
  };
}

/** The body POST /proxies/{proxy}/toxics takes: match and counters travel inside attributes. */
export function createToxicBody(toxic: ToxicSpec): CreateToxicBody {
  return {
    name: toxic.name,
    type: toxic.type,
    stream: toxic.stream,
    toxicity: toxic.toxicity,
    attributes: wireAttributes(toxic),
  };
}
