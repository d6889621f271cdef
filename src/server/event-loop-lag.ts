import type { Gauge, Registry } from 'prom-client';

const SUMMARIES = ['min', 'max', 'mean', 'stddev', 'p50', 'p90', 'p99'];

type Reading = Awaited<ReturnType<Gauge['get']>>;

/**
 * prom-client reads the event loop's delays from a histogram it resets at every scrape. A scrape
 * with no sample since the last (the first one, which starts the histogram, or two scrapes a few
 * milliseconds apart) read its empty state: a minimum of 9223372036.85 s (2^63 ns), a maximum
 * of 0, a mean of NaN. Those scrapes now say NaN for every summary: no delay was measured,
 * rather than a delay of 292 years or of none. (The gauge that sets them all is read first, so
 * each summary holds this scrape's value when it is read.)
 */
export function reportUnsampledLagAsNaN(registry: Registry, prefix: string): void {
  const gauges = SUMMARIES.map((name) =>
    registry.getSingleMetric(`${prefix}nodejs_eventloop_lag_${name}_seconds`),
  );
  const [min] = gauges;
  if (!min || gauges.some((gauge) => gauge === undefined)) return;
  const readMin = min.get.bind(min) as () => Promise<Reading>;
  for (const gauge of gauges as Gauge[]) {
    const read = gauge.get.bind(gauge) as () => Promise<Reading>;
    gauge.get = async () => {
      const [lowest] = (await readMin()).values;
      const reading = await read();
      // No real delay is a billion seconds long: that is the 2^63 ns of an empty histogram.
      if (lowest !== undefined && lowest.value < 1e9) return reading;
      return { ...reading, values: reading.values.map((value) => ({ ...value, value: Number.NaN })) };
    };
  }
}
