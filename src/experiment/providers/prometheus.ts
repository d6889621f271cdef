import { z } from 'zod';
import type { Json } from '../../model/experiment.js';
import { fetchAnyPort } from '../../net/fetch-any-port.js';
import { ActivityFailed, InvalidActivity } from '../errors.js';
import { hasPlaceholder, substitute } from '../substitute.js';
import { checkAgainstSchema } from './faultline-arguments.js';
import { parseTime, TIME_FORMATS } from './prometheus-time.js';
import { argumentsOf, type ProviderImplementation } from './provider.js';

export const PROMETHEUS_MODULE = 'chaosprometheus.probes';
const DEFAULT_BASE_URL = 'http://localhost:9090';
/** A Prometheus that accepts the connection but never answers fails the probe after this. */
const DEFAULT_ANSWER_SECONDS = 60;

const time = z.union([z.string().min(1), z.number()]);
const common = {
  query: z.string().min(1),
  timeout: z
    .union([z.number().min(0), z.string().min(1)])
    .nullable()
    .optional(),
  verify_tls: z.boolean().optional(),
};

/** chaostoolkit-prometheus's argument names: Python would refuse any other. */
const schemas: Record<string, z.ZodType> = {
  query: z.strictObject({ ...common, when: time.nullable().optional() }),
  query_interval: z.strictObject({
    ...common,
    start: time,
    end: time,
    step: z
      .union([z.number().positive(), z.string().min(1)])
      .nullable()
      .optional(),
  }),
};

interface Args {
  query: string;
  timeout?: number | string | null;
  verify_tls?: boolean;
  when?: string | number | null;
}

export function isPrometheusModule(module: unknown): boolean {
  return module === PROMETHEUS_MODULE;
}

/**
 * chaostoolkit-prometheus's `query` and `query_interval`, run natively: the same arguments, the
 * same `prometheus_base_url` configuration key, and Prometheus's JSON answer returned as-is
 * (`{"status": "success", "data": {...}}`), so tolerances written for the extension hold.
 */
export const prometheusProvider: ProviderImplementation = {
  async validate(provider, activity, context) {
    const schema = schemas[String(provider.func)];
    if (!schema) {
      throw new InvalidActivity(
        `${PROMETHEUS_MODULE} has no function '${provider.func}' in ${activity.type} '${activity.name}'; functions: ${Object.keys(schemas).join(', ')}`,
      );
    }
    const args = substitute(argumentsOf(provider), context.scope);
    checkAgainstSchema(schema, `${PROMETHEUS_MODULE}.${provider.func}`, args, activity);
    for (const key of ['when', 'start', 'end']) {
      const value = (args as Record<string, Json>)[key];
      const unresolved = typeof value === 'string' && hasPlaceholder(value);
      if ((typeof value === 'string' || typeof value === 'number') && !unresolved) {
        timeArgument(value, key, activity, InvalidActivity);
      }
    }
  },

  async run(provider, activity, context) {
    const func = String(provider.func);
    const given = substitute(argumentsOf(provider), context.scope);
    try {
      checkAgainstSchema(schemas[func]!, `${PROMETHEUS_MODULE}.${func}`, given, activity);
    } catch (error) {
      throw new ActivityFailed((error as Error).message);
    }
    const args = given as unknown as Args;
    const base = String(context.configuration.prometheus_base_url ?? DEFAULT_BASE_URL).replace(/\/+$/, '');
    const params = new URLSearchParams({ query: args.query });
    if (args.timeout !== undefined && args.timeout !== null) params.set('timeout', String(args.timeout));
    const fail = ActivityFailed;
    if (func === 'query') {
      if (args.when) params.set('time', timeArgument(args.when, 'when', activity, fail));
    } else {
      const range = args as unknown as Record<'start' | 'end', string | number> & { step?: unknown };
      if (range.step !== null) params.set('step', String(range.step ?? 1));
      params.set('start', timeArgument(range.start, 'start', activity, fail));
      params.set('end', timeArgument(range.end, 'end', activity, fail));
    }
    const path = func === 'query' ? '/api/v1/query' : '/api/v1/query_range';
    const seconds = Math.max(DEFAULT_ANSWER_SECONDS, Number.parseFloat(String(args.timeout ?? 0)) + 5 || 0);
    return ask(`${base}${path}`, params, args.verify_tls !== false, context.signal, seconds);
  },
};

function timeArgument(
  value: string | number,
  key: string,
  activity: { name: string; type: string },
  Failure: typeof InvalidActivity | typeof ActivityFailed,
): string {
  const date = parseTime(value, new Date());
  if (!date) {
    throw new Failure(
      `argument '${key}' of ${activity.type} '${activity.name}' is not a time: received ${JSON.stringify(value)}; use ${TIME_FORMATS}`,
    );
  }
  return date.toISOString();
}

async function ask(
  url: string,
  params: URLSearchParams,
  verifyTls: boolean,
  signal: AbortSignal,
  seconds: number,
) {
  const target = `${url}?${params}`;
  const deadline = AbortSignal.timeout(seconds * 1000);
  let response;
  let text;
  try {
    response = await fetchAnyPort(target, {
      headers: { accept: 'application/json' },
      signal: AbortSignal.any([signal, deadline]),
      insecure: !verifyTls,
    });
    text = await response.text();
  } catch (error) {
    if (signal.aborted) throw error;
    if (deadline.aborted) {
      throw new ActivityFailed(
        `Prometheus at ${url} did not answer within ${seconds} s; check that it is not overloaded, or give the probe a larger "timeout"`,
      );
    }
    const code = (error as { code?: unknown }).code;
    throw new ActivityFailed(
      `Prometheus at ${url} is unreachable (${typeof code === 'string' ? code : (error as Error).message}); check that it runs and set the configuration key "prometheus_base_url" to its address`,
    );
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new ActivityFailed(
      `Prometheus at ${url} answered ${response.status} with something that is not JSON: ${text.slice(0, 200)}; is "prometheus_base_url" the address of a Prometheus server?`,
    );
  }
  if (response.status !== 200) {
    const { errorType, error } = body as { errorType?: string; error?: string };
    throw new ActivityFailed(
      `Prometheus refused the query ${JSON.stringify(params.get('query'))} (${response.status} ${errorType ?? ''}): ${error ?? text.slice(0, 200)}`,
    );
  }
  return body;
}
