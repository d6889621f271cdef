import { apiUrl, sessionHeaders } from './api.js';

/** Bytes per second through a proxy, each way, between the last two reads of its byte counts. */
export interface Throughput {
  upstream: number;
  downstream: number;
}

type Totals = Map<string, Throughput>;

/** The body of GET /ui/throughput (src/server/routes/ui-throughput.ts): bytes sent per proxy, each way. */
export function sentBytes(body: unknown): Totals {
  const proxies = (body as { proxies?: Record<string, Throughput> } | null)?.proxies ?? {};
  return new Map(
    Object.entries(proxies).map(([proxy, sent]) => [
      proxy,
      { upstream: sent.upstream, downstream: sent.downstream },
    ]),
  );
}

/**
 * Reads GET /ui/throughput every `intervalMs` and reports each proxy's rate; returns a stop
 * function. That route is the dashboard's own, so the rates show on a server started without
 * --metrics, where /metrics is a 404 as in Toxiproxy.
 */
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
      const response = await fetch(apiUrl('ui/throughput'), { headers: sessionHeaders() });
      if (!response.ok) throw new Error(`/ui/throughput answered ${response.status}`);
      const now = performance.now();
      const totals = sentBytes(await response.json());
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
