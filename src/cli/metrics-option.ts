import { Option } from 'commander';
import type { MetricSets } from '../server/metric-sets.js';
import { UsageError } from './context.js';

/** What the three flags turn on, as `faultline server --help` says it. */
export const metricsOptions = (): [Option, Option, Option] => [
  new Option(
    '--metrics',
    'serve GET /metrics with every series: --proxy-metrics and --runtime-metrics together (or FAULTLINE_METRICS=1). Without any of the three, /metrics is a 404, as in toxiproxy-server',
  ),
  new Option(
    '--proxy-metrics',
    "serve GET /metrics with the proxy series: Toxiproxy's toxiproxy_proxy_{received,sent}_bytes_total and faultline's faultline_* series of connections, toxics, HTTP and UDP faults, held bytes (also -proxy-metrics)",
  ),
  new Option(
    '--runtime-metrics',
    'serve GET /metrics with the runtime series: faultline_process_* and faultline_nodejs_* (also -runtime-metrics)',
  ),
];

/** Go's strconv.ParseBool spellings, as the server's Go-style flags take them (go-bool-flags.ts). */
const on = ['1', 't', 'T', 'TRUE', 'true', 'True'];
const off = ['', '0', 'f', 'F', 'FALSE', 'false', 'False'];

/**
 * The sets the flags and FAULTLINE_METRICS turn on. The variable is read here, not by commander's
 * .env(), which turns a flag on for any value, FAULTLINE_METRICS=false or =0 too.
 */
export function metricSetsFrom(
  flags: { metrics?: boolean; proxyMetrics?: boolean; runtimeMetrics?: boolean },
  env: NodeJS.ProcessEnv = process.env,
): MetricSets {
  const all = flags.metrics === true || fromEnv(env.FAULTLINE_METRICS);
  return { proxy: all || flags.proxyMetrics === true, runtime: all || flags.runtimeMetrics === true };
}

function fromEnv(value: string | undefined): boolean {
  if (value === undefined || off.includes(value.trim())) return false;
  if (on.includes(value.trim())) return true;
  throw new UsageError(
    `FAULTLINE_METRICS=${JSON.stringify(value)} is neither on nor off: set it to 1 (or true) to serve every series at GET /metrics, 0 (or false, or unset it) for none`,
  );
}
