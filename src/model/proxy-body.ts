import type { CreateProxyBody, CreateToxicBody, ProxyJson, ToxicJson } from './wire.js';

/**
 * A proxy as the API shows it, back as the body that creates it: the fields that are set, in the
 * API's order, and its toxics in order. `export` writes it; `apply`
 * and a run's ledger recreate a deleted proxy from it.
 */
export function proxyBody(proxy: ProxyJson): CreateProxyBody & { toxics: CreateToxicBody[] } {
  const { name, listen, upstream, enabled, protocol, header_faults, idle_timeout, tls, upstream_tls } = proxy;
  return {
    name,
    listen,
    upstream,
    enabled,
    ...(protocol === undefined ? {} : { protocol }),
    ...(header_faults === undefined ? {} : { header_faults }),
    ...(idle_timeout === undefined ? {} : { idle_timeout }),
    // Private keys come back "[redacted]": applying this keeps the server's.
    ...(tls === undefined ? {} : { tls }),
    ...(upstream_tls === undefined ? {} : { upstream_tls }),
    toxics: proxy.toxics.map(toxicBody),
  };
}

export function toxicBody({ name, type, stream, toxicity, attributes }: ToxicJson): CreateToxicBody {
  return { name, type, stream, toxicity, attributes };
}
