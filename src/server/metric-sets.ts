/**
 * Which series GET /metrics serves, as toxiproxy-server's two flags choose them: `proxy`
 * (-proxy-metrics) the byte counters and every other series about proxies and toxics, `runtime`
 * (-runtime-metrics) the process and Node.js ones. With neither, /metrics is not a route at all:
 * it answers 404 as any path the server does not have, as Toxiproxy's does.
 */
export interface MetricSets {
  readonly proxy: boolean;
  readonly runtime: boolean;
}

export const NO_METRICS: MetricSets = { proxy: false, runtime: false };
export const ALL_METRICS: MetricSets = { proxy: true, runtime: true };

export const servesMetrics = (sets: MetricSets): boolean => sets.proxy || sets.runtime;

/** The flags that turn /metrics on, for an answer that says how to get it. */
export const METRICS_FLAGS =
  '--metrics (or FAULTLINE_METRICS=1; or -proxy-metrics, -runtime-metrics as toxiproxy-server takes them)';
