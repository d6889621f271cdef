import type { ToxicSpec } from '../model/toxic.js';
import type { ProxyJson, ToxicJson } from '../model/wire.js';
import type { FaultProxy } from '../proxy/proxy.js';

/** A toxic with Toxiproxy's key order: attributes, name, type, stream, toxicity. */
export function toxicJson(toxic: ToxicSpec): ToxicJson {
  return {
    attributes: toxic.attributes,
    name: toxic.name,
    type: toxic.type,
    stream: toxic.stream,
    toxicity: toxic.toxicity,
  };
}

/** A proxy with Toxiproxy's key order; `Logger: {}` is what Toxiproxy 2.5+ always sends. */
export function proxyJson(proxy: FaultProxy): ProxyJson {
  return {
    name: proxy.name,
    listen: proxy.listen,
    upstream: proxy.upstream,
    enabled: proxy.enabled,
    Logger: {},
    toxics: proxy.toxics.map(toxicJson),
  };
}
