import type { ProxySpec } from '../model/proxy-spec.js';
import type { ToxicSpec } from '../model/toxic.js';
import type { ProxyJson, ToxicJson, UpdateProxyBody, UpdateToxicBody } from '../model/wire.js';

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
    if (!existing) {
      changes.push({
        kind: 'create-proxy',
        spec,
        line: `+ proxy ${spec.name} ${spec.listen} -> ${spec.upstream}`,
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
  for (const toxic of existing) {
    const target = wantedByName.get(toxic.name);
    if (!target || target.type !== toxic.type || target.stream !== toxic.stream) {
      changes.push({ kind: 'remove-toxic', proxy, name: toxic.name, line: `- toxic ${proxy}/${toxic.name}` });
    }
  }
  for (const toxic of wanted) {
    const current = existingByName.get(toxic.name);
    if (!current || current.type !== toxic.type || current.stream !== toxic.stream) {
      changes.push({
        kind: 'add-toxic',
        proxy,
        toxic,
        line: `+ toxic ${proxy}/${toxic.name} (${toxic.type}, ${toxic.stream})`,
      });
      continue;
    }
    const differences = Object.entries(toxic.attributes)
      .filter(([key, value]) => current.attributes[key] !== value)
      .map(([key, value]) => `${key} ${current.attributes[key]} -> ${value}`);
    if (current.toxicity !== toxic.toxicity)
      differences.push(`toxicity ${current.toxicity} -> ${toxic.toxicity}`);
    if (differences.length > 0) {
      changes.push({
        kind: 'update-toxic',
        proxy,
        name: toxic.name,
        body: { attributes: toxic.attributes, toxicity: toxic.toxicity },
        line: `~ toxic ${proxy}/${toxic.name}: ${differences.join(', ')}`,
      });
    }
  }
  return changes;
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
