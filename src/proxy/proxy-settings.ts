import { showOrigination, showTermination } from '../model/tls-spec.js';
import type { EngineProxy } from './engine-proxy.js';

/**
 * What an update of a proxy can change, as the API shows it (keys redacted, a certificate has
 * one key): an update after which this reads the same changed nothing, and says nothing changed.
 */
export function proxySettings(proxy: EngineProxy): string {
  return JSON.stringify({
    listen: proxy.listen,
    upstream: proxy.upstream,
    enabled: proxy.enabled,
    headerFaults: proxy.headerFaults,
    idleTimeout: 'idleTimeoutMs' in proxy ? proxy.idleTimeoutMs : undefined,
    tls: proxy.tls && showTermination(proxy.tls),
    upstreamTls: proxy.upstreamTls && showOrigination(proxy.upstreamTls),
  });
}
