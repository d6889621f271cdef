import { Pool } from 'undici';
import { percentile } from '../model/percentile.js';
import { BadInput } from './bad-input.js';

export interface LoadOptions {
  url: string;
  concurrency: number;
  /** Stop after this many requests... */
  requests?: number;
  /** ...or after this many seconds (one of the two is required). */
  seconds?: number;
  method?: string;
  /** Sent with every request, as ab's repeatable -H (cookies included). */
  headers?: Record<string, string>;
  /** Sent with every request, as ab's -p; the method becomes POST unless one is given. */
  body?: string;
  /** The body's Content-Type when no header gives one, as ab's -T (default text/plain, as ab). */
  contentType?: string;
  /** Per-request time limit in ms (default 10 s). */
  timeout?: number;
  /** Stops the run; requests in flight are abandoned and not counted. */
  signal?: AbortSignal;
  /** Called about once a second with the totals so far, for a progress line. */
  onProgress?: (progress: LoadProgress) => void;
}

export interface LoadProgress {
  elapsedSeconds: number;
  requests: number;
  failures: number;
}

export interface LoadReport {
  url: string;
  concurrency: number;
  requests: number;
  succeeded: number;
  failures: { total: number; byKind: Record<string, number> };
  durationSeconds: number;
  requestsPerSecond: number;
  latencyMs: { min: number; mean: number; p50: number; p90: number; p99: number; max: number };
  statusCodes: Record<string, number>;
  perSecond: Array<{ second: number; requests: number; failures: number; p50Ms: number }>;
  /** True when the signal stopped the run before its count or duration. */
  interrupted: boolean;
}

/**
 * Why `method` cannot be sent, or undefined: a method is a token (RFC 9110). undici rejects any
 * other, and then never answers the pool's next request, so a run would hang.
 */
export function methodProblem(method: string): string | undefined {
  return /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(method)
    ? undefined
    : "a method is a token (letters, digits and !#$%&'*+-.^_`|~), such as GET or POST";
}

export const MAX_REQUESTS = 10_000_000;
export const MAX_SECONDS = 3600;

/**
 * An HTTP load generator in the spirit of ab: `concurrency` workers over a keep-alive pool,
 * bounded by a request count or a duration. Failures are counted by kind (status 5xx, status
 * 4xx, timeout, refused, reset...), latencies in milliseconds, and a per-second series.
 */
export async function runLoad(options: LoadOptions): Promise<LoadReport> {
  if (options.requests === undefined && options.seconds === undefined)
    throw new Error('give a request count (-n) or a duration (-t)');
  const target = new URL(options.url);
  const limit = Math.min(options.requests ?? MAX_REQUESTS, MAX_REQUESTS);
  const deadline = performance.now() + Math.min(options.seconds ?? MAX_SECONDS, MAX_SECONDS) * 1000;
  const pool = new Pool(target.origin, { connections: options.concurrency, pipelining: 1 });
  const method = options.method ?? (options.body === undefined ? 'GET' : 'POST');
  const problem = methodProblem(method);
  if (problem !== undefined) throw new Error(`${JSON.stringify(method)} is not an HTTP method: ${problem}`);
  const headers = requestHeaders(options);
  const latencies: number[] = [];
  const byKind: Record<string, number> = {};
  const statusCodes: Record<string, number> = {};
  const seconds: Array<{ requests: number; failures: number; latencies: number[] }> = [];
  const started = performance.now();
  let issued = 0;
  let succeeded = 0;
  let unsendable: BadInput | undefined;

  const record = (at: number, latency: number, failure: string | undefined) => {
    const second = Math.floor((at - started) / 1000);
    seconds[second] ??= { requests: 0, failures: 0, latencies: [] };
    const bucket = seconds[second]!;
    bucket.requests += 1;
    bucket.latencies.push(latency);
    latencies.push(latency);
    if (failure) {
      bucket.failures += 1;
      byKind[failure] = (byKind[failure] ?? 0) + 1;
    } else succeeded += 1;
  };

  const worker = async () => {
    while (issued < limit && performance.now() < deadline && !options.signal?.aborted && !unsendable) {
      issued += 1;
      const begin = performance.now();
      let failure: string | undefined;
      try {
        const response = await pool.request({
          path: `${target.pathname}${target.search}`,
          method: method as 'GET',
          ...(headers === undefined ? {} : { headers }),
          ...(options.body === undefined ? {} : { body: options.body }),
          headersTimeout: options.timeout ?? 10_000,
          bodyTimeout: options.timeout ?? 10_000,
          ...(options.signal === undefined ? {} : { signal: options.signal }),
        });
        await response.body.dump();
        statusCodes[response.statusCode] = (statusCodes[response.statusCode] ?? 0) + 1;
        if (response.statusCode >= 500) failure = 'status 5xx';
        else if (response.statusCode >= 400) failure = 'status 4xx';
      } catch (error) {
        if (options.signal?.aborted) return;
        // A request undici will not send (a header it forbids, a bad name or value) is bad input,
        // the same for every request; and the pool never answers the next one after it.
        if ((error as { code?: string }).code === 'UND_ERR_INVALID_ARG') {
          unsendable ??= new BadInput(
            `the request cannot be sent: ${(error as Error).message}; check -m, -H and -T (method, headers)`,
          );
          return;
        }
        failure = kindOf(error);
      }
      const end = performance.now();
      record(end, end - begin, failure);
    }
  };
  const progress = options.onProgress
    ? setInterval(() => {
        options.onProgress!({
          elapsedSeconds: Math.floor((performance.now() - started) / 1000),
          requests: latencies.length,
          failures: latencies.length - succeeded,
        });
      }, 1000)
    : undefined;
  try {
    await Promise.all(Array.from({ length: options.concurrency }, worker));
  } finally {
    clearInterval(progress);
    await (options.signal?.aborted || unsendable ? pool.destroy() : pool.close());
  }
  if (unsendable) throw unsendable;
  const duration = (performance.now() - started) / 1000;
  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (p: number) => round(percentile(sorted, p) ?? 0);
  return {
    url: options.url,
    concurrency: options.concurrency,
    requests: latencies.length,
    succeeded,
    failures: { total: latencies.length - succeeded, byKind },
    durationSeconds: round(duration),
    requestsPerSecond: round(latencies.length / duration),
    latencyMs: {
      min: round(sorted[0] ?? 0),
      mean: round(sorted.reduce((a, b) => a + b, 0) / Math.max(1, sorted.length)),
      p50: at(50),
      p90: at(90),
      p99: at(99),
      max: round(sorted.at(-1) ?? 0),
    },
    statusCodes,
    perSecond: seconds.map((bucket, second) => ({
      second,
      requests: bucket?.requests ?? 0,
      failures: bucket?.failures ?? 0,
      p50Ms: round(
        percentile(
          [...(bucket?.latencies ?? [])].sort((a, b) => a - b),
          50,
        ) ?? 0,
      ),
    })),
    interrupted: options.signal?.aborted === true,
  };
}

/** How many failed requests a run may have and still pass: a count, or a percentage of requests. */
export type FailureThreshold = { count: number } | { percent: number };

/** Reads `--max-failures` / `maxFailures`: a whole number (0 by default) or a percentage like "5%". */
export function parseFailureThreshold(value: string | number): FailureThreshold {
  const text = String(value).trim();
  const percent = /^(\d+(?:\.\d+)?)%$/.exec(text);
  if (percent && Number(percent[1]) <= 100) return { percent: Number(percent[1]) };
  if (/^\d+$/.test(text) && Number.isSafeInteger(Number(text))) return { count: Number(text) };
  throw new Error(
    `the failure threshold must be a whole number of requests or a percentage from 0% to 100%, received ${JSON.stringify(value)}; for example 0, 10 or 5%`,
  );
}

/**
 * Why the run fails its threshold, or undefined when it passes. A failure is what a probe
 * would call one: a 4xx or 5xx status, or no response (refused, reset, timed out).
 */
export function thresholdBreach(report: LoadReport, threshold: FailureThreshold): string | undefined {
  const failed = report.failures.total;
  const allowed =
    'count' in threshold ? threshold.count : Math.floor((threshold.percent / 100) * report.requests);
  if (failed <= allowed) return undefined;
  const kinds = Object.entries(report.failures.byKind)
    .map(([kind, count]) => `${kind}: ${count}`)
    .join(', ');
  const limit = 'count' in threshold ? `${threshold.count}` : `${threshold.percent}% (${allowed} requests)`;
  return `${failed} of ${report.requests} requests failed (${kinds}), more than the ${limit} allowed`;
}

/** The given headers, and a Content-Type for a body that has none. */
function requestHeaders(options: LoadOptions): Record<string, string> | undefined {
  if (options.body === undefined) return options.headers;
  const headers = { ...options.headers };
  if (!Object.keys(headers).some((name) => name.toLowerCase() === 'content-type'))
    headers['content-type'] = options.contentType ?? 'text/plain';
  return headers;
}

function kindOf(error: unknown): string {
  const code = (error as { code?: string }).code ?? (error as { cause?: { code?: string } }).cause?.code;
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
      return 'connection reset';
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
      return 'timeout';
    default:
      return code ?? (error as Error).name ?? 'error';
  }
}

const round = (value: number) => Math.round(value * 100) / 100;
