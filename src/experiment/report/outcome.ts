import type { RunEntry } from '../journal.js';

const LIMIT = 200;

/** What an activity ended with, in one line: the error, or a summary of its output. */
export function describeOutcome(entry: RunEntry): string {
  if (entry.exception?.length) return String(entry.exception.at(-1)).trim();
  return summarizeOutput(entry.output);
}

/**
 * A reader's line for the outputs reports meet most: an HTTP load report, an HTTP answer, a
 * process's exit, and otherwise the output's scalar fields by path (`latencyMs.p99=12`), so the
 * figure that matters is not cut off behind a JSON prefix.
 */
export function summarizeOutput(output: unknown): string {
  if (output === undefined || output === null) return '';
  if (typeof output === 'string') return clip(output.trim());
  if (typeof output !== 'object') return String(output);
  const value = output as Record<string, unknown>;
  if (isLoadReport(value)) {
    const { requests, failures, requestsPerSecond, latencyMs } = value;
    return `${requests} requests, ${failures.total} failed, ${requestsPerSecond}/s; latency ms mean ${latencyMs.mean} · p50 ${latencyMs.p50} · p90 ${latencyMs.p90} · p99 ${latencyMs.p99} · max ${latencyMs.max}`;
  }
  if (typeof value.status === 'number' && 'headers' in value && 'body' in value)
    return clip(`HTTP ${value.status}: ${bodyText(value.body)}`);
  if (typeof value.status === 'number' && 'stdout' in value)
    return clip(
      `exit ${value.status}: ${String(value.stdout ?? '').trim() || String(value.stderr ?? '').trim()}`,
    );
  if (Array.isArray(output)) return clip(`${output.length} items: ${JSON.stringify(output)}`);
  return clip(scalarFields(value).join(', ') || JSON.stringify(output));
}

interface LoadReportShape {
  requests: number;
  failures: { total: number };
  requestsPerSecond: number;
  latencyMs: Record<'mean' | 'p50' | 'p90' | 'p99' | 'max', number>;
}

function isLoadReport(value: Record<string, unknown>): value is Record<string, unknown> & LoadReportShape {
  return (
    typeof value.requests === 'number' &&
    typeof value.requestsPerSecond === 'number' &&
    typeof value.latencyMs === 'object' &&
    typeof (value.failures as { total?: unknown } | undefined)?.total === 'number'
  );
}

function bodyText(body: unknown): string {
  return (typeof body === 'string' ? body : JSON.stringify(body)).trim();
}

/** `a=1`, `b.c=true`, `d=[3 items]`, two levels deep. */
function scalarFields(value: Record<string, unknown>, prefix = '', depth = 0): string[] {
  return Object.entries(value).flatMap(([key, field]) => {
    const path = `${prefix}${key}`;
    if (Array.isArray(field)) return [`${path}=[${field.length} items]`];
    if (field !== null && typeof field === 'object')
      return depth < 1 ? scalarFields(field as Record<string, unknown>, `${path}.`, depth + 1) : [];
    return [`${path}=${typeof field === 'string' ? field : JSON.stringify(field)}`];
  });
}

function clip(text: string): string {
  const line = text.replace(/\s+/g, ' ');
  return line.length > LIMIT ? `${line.slice(0, LIMIT - 3)}...` : line;
}
