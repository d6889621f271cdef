import { type Dispatcher, interceptors, request } from 'undici';
import { isObject, type Json } from '../../model/experiment.js';
import { ActivityAborted, ActivityFailed, InvalidActivity } from '../errors.js';
import { bigIntegersInJson, bigIntegersWarning, inside } from '../big-integers.js';
import { parsePythonJson } from '../python/python-json.js';
import { pyStr } from '../python-values.js';
import { substitute } from '../substitute.js';
import { pythonJsonDumps, requestsForm } from './http-encoding.js';
import { bodyText } from './http-text.js';
import { decodedBody, REQUESTS_ACCEPT_ENCODING } from './http-content-decoding.js';
import { faultlineVersion } from '../../version.js';
import { caBundle } from './http-ca-bundle.js';
import { requestsLengthDispatcher } from './http-empty-body-length.js';
import { readTimeouts } from './http-read-timeouts.js';
import { headerValue, type RawHeadersSeen, requestsHeaders, withRawHeaders } from './http-raw-headers.js';
import { hasValues, type ProviderImplementation } from './provider.js';

// undici's request, not fetch: fetch refuses the ports browsers block (6000, 6665-6669, 10080...),
// which chaoslib's requests calls. Redirects are followed as requests and fetch follow them.

/**
 * Calls `url` and returns {status, headers, body}. Like Chaos Toolkit, a 4xx or 5xx is not a
 * failure (tolerances judge it); the body is parsed only for exactly "application/json".
 */
export const httpProvider: ProviderImplementation = {
  async validate(provider) {
    if (!provider.url) throw new InvalidActivity('a HTTP activity must have a URL');
    if (!isPlaceholder(provider.url as Json)) {
      const problem = urlProblem(String(provider.url));
      if (problem) throw new InvalidActivity(problem);
    }
    if (provider.headers !== undefined && !isObject(provider.headers)) {
      throw new InvalidActivity('a HTTP activities expect headers as a mapping');
    }
    const timeout = provider.timeout;
    if (timeout !== undefined && !isPlaceholder(timeout) && timeoutLimits(timeout) === undefined) {
      throw new InvalidActivity(
        `a HTTP activity timeout is ${JSON.stringify(timeout)}: use a number of seconds above 0, a [connect, read] pair of them, or "\${name}" (chaos run fails on anything else)`,
      );
    }
  },

  async run(provider, activity, context) {
    const url = String(substitute(provider.url as Json, context.scope));
    const method = String(provider.method ?? 'GET').toUpperCase();
    // requests leaves out a header whose value is None.
    const headers = Object.fromEntries(
      Object.entries((substitute(provider.headers ?? {}, context.scope) as Record<string, Json>) ?? {})
        .filter(([, value]) => value !== null)
        .map(([key, value]) => [key, pyStr(value)]),
    );
    // requests sends a User-Agent, `Accept-Encoding: gzip, deflate` and `Accept: */*` unless told
    // otherwise; some APIs refuse a request without a User-Agent (GitHub's answers 403).
    for (const [name, value] of Object.entries(DEFAULT_HEADERS)) {
      if (!Object.keys(headers).some((given) => given.toLowerCase() === name.toLowerCase()))
        headers[name] = value;
    }
    const args = (hasValues(context) ? substitute(provider.arguments, context.scope) : provider.arguments) as
      Record<string, Json> | undefined;
    const problem = urlProblem(url);
    // requests raises InvalidSchema/MissingSchema, which chaoslib does not catch: the run is aborted.
    if (problem) throw new ActivityAborted(problem);
    const target = new URL(url);
    let body: string | undefined;
    if (args && method === 'GET') {
      const query = requestsForm(args);
      if (query) target.search = target.search ? `${target.search}&${query}` : `?${query}`;
    } else if (args && headers['Content-Type'] === 'application/json') {
      body = pythonJsonDumps(args);
    } else if (args) {
      body = requestsForm(args) || undefined;
      const typed = Object.keys(headers).some((name) => name.toLowerCase() === 'content-type');
      if (body !== undefined && !typed) headers['Content-Type'] = 'application/x-www-form-urlencoded';
    }
    const timeout = substitute(provider.timeout, context.scope);
    const limits = timeout === undefined ? undefined : timeoutLimits(timeout);
    if (timeout !== undefined && limits === undefined) {
      // requests raises ValueError, which chaoslib does not catch: the run is aborted.
      throw new ActivityAborted(
        `the HTTP timeout ${JSON.stringify(provider.timeout)} became ${JSON.stringify(timeout)}, not a number of seconds above 0 nor a [connect, read] pair`,
      );
    }
    // requests' timeout limits each wait (to connect; then for each read of the answer), not the
    // whole exchange: a slow answer that keeps coming is waited for. Without one, requests waits
    // for ever, and so does this (undici's own 300 s limits are lifted).
    const insecure = provider.verify_tls === false;
    // requests reads REQUESTS_CA_BUNDLE only when it verifies, and checks it for https only.
    const cas = insecure || target.protocol !== 'https:' ? undefined : caBundle();
    const agent = requestsLengthDispatcher(insecure, limits && limits.connect * 1000, cas);
    const readMs = limits ? limits.read * 1000 : 0;
    // undici's own headersTimeout and bodyTimeout tick every half second: off, and kept here.
    const dispatcher = agent.compose(readTimeouts(readMs), FOLLOW_REDIRECTS);
    const attempts = 1 + (typeof provider.max_retries === 'number' ? provider.max_retries : 0);
    let answer: { status: number; headers: Record<string, string>; text: string } | undefined;
    for (let attempt = 1; answer === undefined; attempt++) {
      let status: number | undefined;
      const seen: RawHeadersSeen = {};
      try {
        const response = await request(target, {
          method: method as Dispatcher.HttpMethod,
          headers,
          signal: context.signal,
          dispatcher: withRawHeaders(dispatcher, seen),
          headersTimeout: 0,
          bodyTimeout: 0,
          ...(body === undefined ? {} : { body }),
        });
        status = response.statusCode;
        const responseHeaders = requestsHeaders(seen.raw, response.headers);
        if (tooManyRedirects(status, responseHeaders, seen)) {
          await response.body.dump();
          // requests raises TooManyRedirects, which chaoslib does not catch: the run is aborted.
          throw new ActivityAborted(
            `Exceeded ${MAX_REDIRECTS} redirects. (${url} still answered HTTP ${status} to ${headerValue(responseHeaders, 'location')} after ${seen.redirects}); requests raises TooManyRedirects on it, which chaos run does not catch either`,
          );
        }
        const bytes = Buffer.from(await response.body.arrayBuffer());
        const encoding = headerValue(responseHeaders, 'content-encoding');
        const decoded = decodedOrAborted(bytes, encoding, url, status);
        answer = {
          status,
          headers: responseHeaders,
          text: bodyText(decoded, headerValue(responseHeaders, 'content-type')),
        };
      } catch (error) {
        if (context.signal.aborted || error instanceof ActivityAborted) throw error;
        const code = (error as { code?: string }).code;
        // requests' ReadTimeout before the answer: chaoslib's Timeout branch.
        if (code === 'UND_ERR_HEADERS_TIMEOUT')
          throw new ActivityFailed('activity took too long to complete');
        // requests raises a read timeout in the body as ConnectionError, a connect timeout as
        // ConnectTimeout, which is one too: chaoslib's "failed to connect" branch takes both.
        if (code === 'UND_ERR_BODY_TIMEOUT')
          throw new ActivityFailed(
            `failed to connect to ${url}: Read timed out. (read timeout=${limits?.read})`,
          );
        const reason =
          code === 'UND_ERR_CONNECT_TIMEOUT'
            ? `Connection to ${target.host} timed out. (connect timeout=${limits?.connect})`
            : ((error as { cause?: Error }).cause?.message ?? (error as Error).message);
        // requests turns a body broken off after the headers into ChunkedEncodingError, which is
        // no ConnectionError: chaoslib does not catch it, the run is aborted (and not retried).
        if (status !== undefined)
          throw new ActivityAborted(
            `the answer from ${url} (HTTP ${status}) was cut short after its headers: ${reason}; requests raises ChunkedEncodingError on it, which chaos run does not catch either`,
          );
        if (attempt < attempts) continue;
        throw new ActivityFailed(`failed to connect to ${url}: ${reason}`);
      }
    }
    const { status, headers: responseHeaders, text } = answer;
    const json = headerValue(responseHeaders, 'content-type') === 'application/json';
    const answered = json ? jsonBody(text, url) : text;
    const rounded = json
      ? bigIntegersWarning(
          `the answer to ${activity.type} '${activity.name}' (${url})`,
          inside('body', bigIntegersInJson(text)),
        )
      : undefined;
    if (rounded) context.warn(rounded);
    return { status, headers: responseHeaders, body: answered };
  },
};

/** requests' Session.max_redirects; each hop has its own read limit. */
const MAX_REDIRECTS = 30;
const FOLLOW_REDIRECTS = interceptors.redirect({ maxRedirections: MAX_REDIRECTS });

/** A redirect requests would follow, met once MAX_REDIRECTS were: requests' TooManyRedirects. */
function tooManyRedirects(status: number, headers: Record<string, string>, seen: RawHeadersSeen): boolean {
  const redirect =
    [301, 302, 303, 307, 308].includes(status) && headerValue(headers, 'location') !== undefined;
  return redirect && (seen.redirects ?? 0) >= MAX_REDIRECTS;
}

const DEFAULT_HEADERS = {
  'User-Agent': `faultline-run/${faultlineVersion}`,
  'Accept-Encoding': REQUESTS_ACCEPT_ENCODING,
  Accept: '*/*',
};

/** requests raises ContentDecodingError on a body its Content-Encoding does not fit; chaoslib does not catch it. */
function decodedOrAborted(bytes: Buffer, encoding: string | undefined, url: string, status: number): Buffer {
  try {
    return decodedBody(bytes, encoding);
  } catch (error) {
    throw new ActivityAborted(
      `the answer from ${url} (HTTP ${status}) says Content-Encoding ${encoding} but its body cannot be decoded so (${(error as Error).message}); requests raises ContentDecodingError on it, which chaos run does not catch either`,
    );
  }
}

/**
 * requests' r.json() is Python's json.loads, which reads NaN and Infinity too. When it raises
 * (a body cut short, an empty one, text labelled as JSON), chaoslib does not catch the error:
 * the run is aborted, so it is here too, saying why.
 */
function jsonBody(text: string, url: string): unknown {
  try {
    return parsePythonJson(text);
  } catch (error) {
    const start = text.length > 80 ? `${JSON.stringify(text.slice(0, 80))}...` : JSON.stringify(text);
    throw new ActivityAborted(
      `${url} answered Content-Type application/json with a body that is not JSON (${(error as Error).message}; the body is ${start}): requests' r.json() raises on it, which chaos run does not catch either`,
    );
  }
}

const isPlaceholder = (value: Json | undefined) => typeof value === 'string' && /\$\{\w+\}/.test(value);

/** A `timeout` as requests reads it: one number for both waits, or a [connect, read] pair. */
function timeoutLimits(timeout: Json): { connect: number; read: number } | undefined {
  const parts = Array.isArray(timeout) && timeout.length === 2 ? timeout : [timeout, timeout];
  if (!parts.every((part) => typeof part === 'number' && part > 0)) return undefined;
  const [connect, read] = parts as [number, number];
  return { connect, read };
}

/** Why `url` cannot be requested (not a URL, not http/https), or undefined. */
function urlProblem(url: string): string | undefined {
  if (!URL.canParse(url))
    return `a HTTP activity URL must be absolute, such as http://host:port/path; got '${url}'`;
  const { protocol } = new URL(url);
  if (protocol === 'http:' || protocol === 'https:') return undefined;
  return `a HTTP activity URL must start with http:// or https://; got '${url}' (scheme ${protocol.slice(0, -1)})`;
}
