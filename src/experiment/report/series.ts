import type { Journal, RunEntry } from '../journal.js';

/** One series of a Prometheus range answer (chaosprometheus.probes.query_interval's output). */
export interface SeriesRow {
  probe: string;
  series: string;
  points: number;
  min: number;
  max: number;
  last: number;
  sparkline: string;
}

const BLOCKS = '▁▂▃▄▅▆▇█';
const MAX_WIDTH = 60;

interface Matrix {
  status: 'success';
  data: {
    resultType: 'matrix';
    result: Array<{ metric: Record<string, string>; values: [number, string][] }>;
  };
}

function isMatrix(output: unknown): output is Matrix {
  const data = (output as { data?: { resultType?: unknown; result?: unknown } } | null)?.data;
  return data?.resultType === 'matrix' && Array.isArray(data.result);
}

/** Every range series that a probe of the run brought back, hypothesis probes included. */
export function prometheusSeries(journal: Journal): SeriesRow[] {
  const entries: RunEntry[] = [
    ...(journal.steady_states.before?.probes ?? []),
    ...journal.run,
    ...journal.steady_states.during.flatMap((check) => check.probes),
    ...(journal.steady_states.after?.probes ?? []),
    ...journal.rollbacks,
  ];
  return entries.flatMap((entry) => {
    if (!isMatrix(entry.output)) return [];
    const probe = String((entry.activity as { name?: unknown }).name ?? '');
    return entry.output.data.result.map(({ metric, values }) => {
      // Prometheus writes "NaN" and "+Inf" too; they are left out of the figures and the line.
      const numbers = values.map(([, value]) => Number(value)).filter(Number.isFinite);
      return {
        probe,
        series: seriesName(metric),
        points: values.length,
        min: Math.min(...numbers),
        max: Math.max(...numbers),
        last: numbers.at(-1) ?? Number.NaN,
        sparkline: sparkline(numbers),
      };
    });
  });
}

/** `name{label="value", ...}`, as Prometheus writes a series. */
function seriesName(metric: Record<string, string>): string {
  const { __name__: name = '', ...labels } = metric;
  const pairs = Object.entries(labels)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, value]) => `${key}="${value}"`);
  return `${name}{${pairs.join(', ')}}`;
}

/**
 * One block per point, from the lower of 0 and the minimum (▁) to the maximum (█). Longer series
 * are cut into MAX_WIDTH buckets drawn at their minimum, so a short dip (a member without a
 * leader) still shows.
 */
export function sparkline(values: number[]): string {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return '';
  const buckets =
    finite.length <= MAX_WIDTH
      ? finite
      : Array.from({ length: MAX_WIDTH }, (_, index) =>
          Math.min(
            ...finite.slice(
              Math.floor((index * finite.length) / MAX_WIDTH),
              Math.floor(((index + 1) * finite.length) / MAX_WIDTH),
            ),
          ),
        );
  const low = Math.min(0, ...buckets);
  const high = Math.max(...buckets);
  const span = high - low;
  return buckets
    .map((value) =>
      span === 0 ? BLOCKS[0] : BLOCKS[Math.round(((value - low) / span) * (BLOCKS.length - 1))],
    )
    .join('');
}
