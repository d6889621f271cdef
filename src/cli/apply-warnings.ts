import type { ProxyJson, UpdateProxyBody } from '../model/wire.js';
import type { TlsTermination } from '../model/tls-spec.js';
import { systemLookup } from '../net/host-lookup.js';
import { listenHosts } from '../proxy/listener.js';
import { resolveUpstream, unreachableUpstreamWarning } from '../proxy/udp/resolve-upstream.js';
import { listenNameMismatch } from '../proxy/tls/certificate-names.js';
import { listenNameWarning } from '../proxy/tls/listen-name-warning.js';
import { certificateHosts } from '../proxy/tls/proxy-tls.js';
import { weakClientKeyWarning, weakKeyOf, weakKeyWarning } from '../proxy/tls/weak-key.js';
import type { Change } from './apply-plan.js';

/**
 * The warnings the server would answer the changes with, for `apply --dry-run`, which sends
 * nothing: a certificate that names none of its proxy's listen hosts (see certificate-names.ts), or
 * whose key clients refuse as too weak, or a client certificate (upstream_tls) whose key upstreams
 * refuse (weak-key.ts); a udp proxy's upstream that no datagram can
 * reach (a name that does not resolve here, port 0: resolve-upstream.ts).
 */
export async function dryRunWarnings(
  changes: readonly Change[],
  current: Readonly<Record<string, ProxyJson>>,
): Promise<string[]> {
  const warnings: string[] = [];
  for (const change of changes) {
    // In the order the server's answer gives them.
    warnings.push(...(await unreachableUpstreamWarnings(change, current)));
    warnings.push(...(await certificateWarnings(change, current)));
    warnings.push(...weakClientKeyWarnings(change, current));
  }
  return warnings;
}

async function unreachableUpstreamWarnings(
  change: Change,
  current: Readonly<Record<string, ProxyJson>>,
): Promise<string[]> {
  const udp = udpUpstreamSent(change, current);
  if (!udp) return [];
  const target = await resolveUpstream(udp.upstream, systemLookup);
  return target instanceof Error ? [unreachableUpstreamWarning(udp.name, udp.upstream, target)] : [];
}

async function certificateWarnings(
  change: Change,
  current: Readonly<Record<string, ProxyJson>>,
): Promise<string[]> {
  const sent = certificateSent(change, current);
  if (!sent) return [];
  const warnings: string[] = [];
  try {
    const hosts = [...new Set((await listenHosts(sent.listen)).flatMap(certificateHosts))];
    const mismatch = listenNameMismatch(sent.cert, hosts);
    if (mismatch) warnings.push(listenNameWarning(sent.name, mismatch, sent.listen));
  } catch {
    // A listen address that does not resolve is the server's to refuse.
  }
  const weakKey = weakKeyOf(sent.cert);
  if (weakKey !== undefined) warnings.push(weakKeyWarning(sent.name, weakKey));
  return warnings;
}

/** The weak key of the client certificate (upstream_tls.cert) a change leaves its proxy with. */
function weakClientKeyWarnings(change: Change, current: Readonly<Record<string, ProxyJson>>): string[] {
  const sent = clientCertificateSent(change, current);
  const weakKey = sent === undefined ? undefined : weakKeyOf(sent.cert);
  return sent === undefined || weakKey === undefined ? [] : [weakClientKeyWarning(sent.name, weakKey)];
}

function clientCertificateSent(change: Change, current: Readonly<Record<string, ProxyJson>>) {
  if (change.kind === 'create-proxy') {
    const cert = change.spec.upstreamTls?.cert;
    return cert === undefined ? undefined : { name: change.spec.name, cert };
  }
  if (change.kind !== 'update-proxy' || !answeredWithWarnings(change.body)) return undefined;
  const sent = change.body.upstream_tls;
  const cert = (sent === null ? undefined : (sent ?? current[change.name]?.upstream_tls))?.cert;
  return cert === undefined ? undefined : { name: change.name, cert };
}

function certificateSent(change: Change, current: Readonly<Record<string, ProxyJson>>) {
  const given = (tls: TlsTermination | null | undefined) => (tls && 'cert' in tls ? tls.cert : undefined);
  if (change.kind === 'create-proxy') {
    const cert = given(change.spec.tls);
    return cert === undefined ? undefined : { name: change.spec.name, listen: change.spec.listen, cert };
  }
  if (change.kind !== 'update-proxy' || !answeredWithWarnings(change.body)) return undefined;
  const existing = current[change.name];
  const cert = given(change.body.tls === null ? undefined : (change.body.tls ?? existing?.tls));
  const listen = change.body.listen ?? existing?.listen;
  return cert === undefined || listen === undefined ? undefined : { name: change.name, listen, cert };
}

/**
 * Whether the server answers an update with the proxy's warnings (routes/proxies.ts): when it
 * sends tls, upstream_tls, listen or upstream, the warnings of what the proxy then has.
 */
function answeredWithWarnings(body: UpdateProxyBody): boolean {
  return [body.tls, body.upstream_tls, body.listen, body.upstream].some((sent) => sent !== undefined);
}

/**
 * The upstream a change makes an enabled udp proxy send to, when the server would answer the
 * change with a warning about it: on create, and on an update that sends listen or upstream.
 */
function udpUpstreamSent(change: Change, current: Readonly<Record<string, ProxyJson>>) {
  if (change.kind === 'create-proxy') {
    const { spec } = change;
    return spec.protocol === 'udp' && spec.enabled ? { name: spec.name, upstream: spec.upstream } : undefined;
  }
  if (change.kind !== 'update-proxy' || !answeredWithWarnings(change.body)) return undefined;
  const existing = current[change.name];
  const { body } = change;
  if (existing?.protocol !== 'udp' || !(body.enabled ?? existing.enabled)) return undefined;
  return { name: change.name, upstream: body.upstream ?? existing.upstream };
}
