import { type ToxicSpec, wireAttributes } from '../model/toxic.js';
import type { ProxyJson, ToxicJson } from '../model/wire.js';
import type { EngineProxy } from '../proxy/engine-proxy.js';
import { showOrigination, showTermination } from '../model/tls-spec.js';

/** A toxic with Toxiproxy's key order: attributes, name, type, stream, toxicity. */
export function toxicJson(toxic: ToxicSpec): ToxicJson {
  return {
    attributes: wireAttributes(toxic),
    name: toxic.name,
    type: toxic.type,
    stream: toxic.stream,
    toxicity: toxic.toxicity,
  };
}

/**
 * A proxy with Toxiproxy's key order; `Logger: {}` is what Toxiproxy 2.5+ always sends. The
 * protocol and header_faults appear only when they differ from a plain tcp proxy.
 */
export function proxyJson(proxy: EngineProxy): ProxyJson {
  return {
    name: proxy.name,
    listen: proxy.listen,
    upstream: proxy.upstream,
    enabled: proxy.enabled,
    ...(proxy.protocol === 'tcp' ? {} : { protocol: proxy.protocol }),
    ...(proxy.headerFaults ? { header_faults: true } : {}),
    ...('idleTimeoutMs' in proxy ? { idle_timeout: proxy.idleTimeoutMs } : {}),
    ...(proxy.tls ? { tls: showTermination(proxy.tls) } : {}),
    ...(proxy.upstreamTls ? { upstream_tls: showOrigination(proxy.upstreamTls) } : {}),
    Logger: {},
    toxics: proxy.toxics.map(toxicJson),
  };
}
