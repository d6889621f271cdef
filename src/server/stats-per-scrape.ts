import type { EngineProxy } from '../proxy/engine-proxy.js';

type Stats = ReturnType<EngineProxy['stats']>;

/**
 * Each proxy's stats() taken once per scrape. A proxy's stats() copies its byte counts and
 * labels them anew, and nine of a scrape's series read it: with 1,000 proxies that was 9,000
 * copies a scrape. prom-client runs every metric's collect() in the one synchronous turn of
 * registry.metrics(), so the snapshots are kept until that turn ends and then forgotten: the
 * series of one scrape read the same snapshot, the next scrape takes fresh ones, and a collect()
 * that ever ran after an await would take its own, never a stale one.
 */
export function statsPerScrape(): (proxy: EngineProxy) => Stats {
  let taken: Map<EngineProxy, Stats> | undefined;
  return (proxy) => {
    if (taken === undefined) {
      taken = new Map();
      queueMicrotask(() => {
        taken = undefined;
      });
    }
    let stats = taken.get(proxy);
    if (stats === undefined) {
      stats = proxy.stats();
      taken.set(proxy, stats);
    }
    return stats;
  };
}
