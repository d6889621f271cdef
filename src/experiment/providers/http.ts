import { Agent, type Dispatcher, fetch } from 'undici';
import { isObject, type Json } from '../../model/experiment.js';
import { ActivityFailed, InvalidActivity } from '../errors.js';
import { pyStr } from '../python-values.js';
import { substitute } from '../substitute.js';
import { hasValues, type ProviderImplementation } from './provider.js';

const insecure = new Agent({ connect: { rejectUnauthorized: false } });

/**
 * Calls `url` and returns {status, headers, body}. Like Chaos Toolkit, a 4xx or 5xx is not a
 * failure (tolerances judge it); the body is parsed only for exactly "application/json".
 */
export const httpProvider: ProviderImplementation = {
  async validate(provider) {
    if (!provider.url) throw new InvalidActivity('a HTTP activity must have a URL');
    if (provider.headers !== undefined && !isObject(provider.headers)) {
      throw new InvalidActivity('a HTTP activities expect headers as a mapping');
    }
  },

  async run(provider, _activity, context) {
    const url = String(substitute(provider.url as Json, context.scope));
    const method = String(provider.method ?? 'GET').toUpperCase();
    const headers = Object.fromEntries(
      Object.entries((substitute(provider.headers ?? {}, context.scope) as Record<string, Json>) ?? {}).map(
        ([key, value]) => [key, pyStr(value)],
      ),
    );
    const args = (hasValues(context) ? substitute(provider.arguments, context.scope) : provider.arguments) as
      Record<string, Json> | undefined;
    const target = new URL(url);
    let body: string | undefined;
    if (args && method === 'GET') {
      for (const [key, value] of Object.entries(args)) target.searchParams.append(key, pyStr(value));
    } else if (args) {
      body =
        headers['Content-Type'] === 'application/json'
          ? JSON.stringify(args)
          : new URLSearchParams(
              Object.entries(args).map(([key, value]): [string, string] => [key, pyStr(value)]),
            ).toString();
      if (headers['Content-Type'] !== 'application/json')
        headers['Content-Type'] ??= 'application/x-www-form-urlencoded';
    }
    const timeout = substitute(provider.timeout, context.scope);
    const seconds = Array.isArray(timeout) ? Number(timeout[0]) + Number(timeout[1]) : Number(timeout);
    const signals = [
      context.signal,
      ...(Number.isFinite(seconds) && seconds > 0 ? [AbortSignal.timeout(seconds * 1000)] : []),
    ];
    const dispatcher: Dispatcher | undefined = provider.verify_tls === false ? insecure : undefined;
    const attempts = 1 + (typeof provider.max_retries === 'number' ? provider.max_retries : 0);
    for (let attempt = 1; ; attempt++) {
      try {
        const response = await fetch(target, {
          method,
          headers,
          signal: AbortSignal.any(signals),
          ...(body === undefined ? {} : { body }),
          ...(dispatcher ? { dispatcher } : {}),
        });
        const text = await response.text();
        const json = response.headers.get('content-type') === 'application/json';
        return {
          status: response.status,
          headers: Object.fromEntries(response.headers),
          body: json ? safeJson(text) : text,
        };
      } catch (error) {
        if (context.signal.aborted) throw error;
        if ((error as Error).name === 'TimeoutError')
          throw new ActivityFailed('activity took too long to complete');
        if (attempt < attempts) continue;
        const cause = (error as { cause?: Error }).cause;
        throw new ActivityFailed(
          `failed to connect to ${url}: ${cause?.message ?? (error as Error).message}`,
        );
      }
    }
  },
};

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
