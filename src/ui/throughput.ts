import { apiUrl, sessionHeaders } from './api.js';

/** Bytes per second through a proxy, each way, between the last two scrapes of /metrics. */
export interface Throughput {
  upstream: number;
  downstream: number;
}

type Totals = Map<string, Throughput>;

/**
 * Sums toxiproxy_proxy_sent_bytes_total per proxy and direction from Prometheus text. The labels
 * are the ones src/server/metrics.ts writes.
 */
export function sentBytes(metrics: string): Totals {
  const totals: Totals = new Map();
  for (const line of metrics.split('\n')) {
    const match = /^toxiproxy_proxy_sent_bytes_total\{([^}]*)\} (\S+)/.exec(line);
    if (match === null) continue;
    const labels = new Map(
      [...(match[1] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map(([, key, value]) => [key, value]),
    );
    const proxy = labels.get('proxy');
    const direction = labels.get('direction');
    if (proxy === undefined || (direction !== 'upstream' && direction !== 'downstream')) continue;
    const entry = totals.get(proxy) ?? { upstream: 0, downstream: 0 };
    entry[direction] += Number(match[2]);
    totals.set(proxy, entry);
  }
  return totals;
}

/** Scrapes /metrics every `intervalMs` and reports each proxy's rate; returns a stop function. */
export function followThroughput(
  onRates: (rates: Map<string, Throughput>) => void,
  onUnavailable: (why: string) => void,
  intervalMs = 2000,
): () => void {
  let previous: { at: number; totals: Totals } | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;

  const scrape = async () => {
    try {
      const response = await fetch(apiUrl('metrics'), { headers: sessionHeaders() });
      if (!response.ok) throw new Error(`/metrics answered ${response.status}`);
      const now = performance.now();
      const totals = sentBytes(await response.text());
      if (previous !== undefined) {
        const seconds = (now - previous.at) / 1000;
        const rates = new Map<string, Throughput>();
        for (const [proxy, total] of totals) {
          const before = previous.totals.get(proxy) ?? { upstream: 0, downstream: 0 };
          rates.set(proxy, {
            upstream: Math.max(0, (total.upstream - before.upstream) / seconds),
            downstream: Math.max(0, (total.downstream - before.downstream) / seconds),
          });
        }
        onRates(rates);
      }
      previous = { at: now, totals };
    } catch (error) {
      onUnavailable((error as Error).message);
    }
    if (!stopped) timer = setTimeout(() => void scrape(), intervalMs);
  };
  void scrape();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

export function formatRate(bytesPerSecond: number): string {
  if (bytesPerSecond < 1024) return `${Math.round(bytesPerSecond)} B/s`;
  if (bytesPerSecond < 1024 * 1024) return `${(bytesPerSecond / 1024).toFixed(1)} KiB/s`;
  return `${(bytesPerSecond / 1024 / 1024).toFixed(1)} MiB/s`;
}
