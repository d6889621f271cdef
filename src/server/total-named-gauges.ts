import type { Registry } from 'prom-client';

/**
 * prom-client's defaults include three gauges named `_total` (`nodejs_active_handles_total`,
 * `…_requests_total`, `…_resources_total`). A `_total` name says counter: `promtool check
 * metrics` refuses them ("non-counter metrics should not have _total suffix"), and a reader
 * reaches for `rate()`. Each is the sum of its per-type gauge (`sum(nodejs_active_handles)`), so
 * nothing is lost by leaving them out.
 */
const TOTAL_NAMED_GAUGES = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

export function dropTotalNamedGauges(registry: Registry, prefix: string): void {
  for (const name of TOTAL_NAMED_GAUGES) registry.removeSingleMetric(`${prefix}${name}`);
}
