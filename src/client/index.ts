import type { IncomingMessage } from 'node:http';
import type { UpdateProxyBody } from '../model/wire.js';
import type {
  AnsweredAttributesOf,
  ProxyBody,
  ToxicAttributesOf,
  ToxicBody,
  ToxicBodyOf,
  ToxicOf,
  ToxicUpdate,
  TypedProxyJson,
} from '../model/toxic-body.js';
import type { ToxicType } from '../model/toxics/index.js';
import { faultlineVersion } from '../version.js';
import { type Endpoint, endpointOf } from './credentials.js';
import { checkCallOptions, checkClientOptions } from './options-check.js';
import {
  errorFromResponse,
  FaultlineApiError,
  metricsOff,
  streamClosed,
  timedOut,
  unreachable,
} from './errors.js';
import {
  type EventsLostNotice,
  parseEventStream,
  type ServerEvent,
  type StreamedEvent,
} from './event-source.js';
import { type BufferedResponse, open, readText, send as sendRequest } from './transport.js';
import { serverWarnings } from './warnings.js';

export interface ClientOptions {
  /** Base URL of the control API; "host:port" without a scheme gets http://. */
  url?: string;
  /** Per-request time limit in ms (default 30 s); the event stream has none. */
  timeout?: number;
  /**
   * The server's token (`faultline server --token`), sent as a Bearer header; default
   * FAULTLINE_TOKEN; "" sends none. Credentials (http://:TOKEN@host) or a /t/TOKEN prefix in
   * `url` work too; undefined is the same as no token given.
   */
  token?: string | undefined;
}

export interface CallOptions {
  signal?: AbortSignal;
  /**
   * Called with each warning of the server's answer (its `Warning: 299` headers): what was done
   * but likely not as meant, e.g. a certificate that does not name the proxy's listen address.
   */
  onWarning?: (text: string) => void;
}

export interface EventOptions extends Omit<CallOptions, 'onWarning'> {
  /** Type prefixes to keep, e.g. ["toxic.fired", "proxy"]. */
  types?: string[];
  proxy?: string;
  /** Replay events after this id first. */
  since?: number;
}

/** Typed access to a faultline (or Toxiproxy) control API. */
export interface FaultlineClient {
  /** The server's address, without credentials or a /t/TOKEN prefix. */
  readonly url: string;
  version(options?: CallOptions): Promise<{ version: string; faultline?: string }>;
  proxies(options?: CallOptions): Promise<Record<string, TypedProxyJson>>;
  proxy(name: string, options?: CallOptions): Promise<TypedProxyJson>;
  createProxy(body: ProxyBody, options?: CallOptions): Promise<TypedProxyJson>;
  updateProxy(name: string, body: UpdateProxyBody, options?: CallOptions): Promise<TypedProxyJson>;
  deleteProxy(name: string, options?: CallOptions): Promise<void>;
  populate(proxies: ProxyBody[], options?: CallOptions): Promise<TypedProxyJson[]>;
  /** A union of toxics: checking a toxic's `type` narrows its attributes. */
  toxics(proxy: string, options?: CallOptions): Promise<ToxicOf[]>;
  /** `toxic<'latency'>(...)` types the answer as a latency toxic (the server does not check it). */
  toxic<T extends ToxicType = ToxicType>(
    proxy: string,
    name: string,
    options?: CallOptions,
  ): Promise<ToxicOf<T>>;
  /**
   * `body` is typed by its `type`: its attributes are checked and completed by the compiler, and
   * the answer is a toxic of that type.
   */
  addToxic<T extends ToxicType>(
    proxy: string,
    body: ToxicBodyOf<T>,
    options?: CallOptions,
  ): Promise<ToxicOf<T>>;
  /** `updateToxic<'latency'>(...)` checks the attributes as those of that type, and types the answer. */
  updateToxic<T extends ToxicType = ToxicType>(
    proxy: string,
    name: string,
    body: ToxicUpdate<T>,
    options?: CallOptions,
  ): Promise<ToxicOf<T>>;
  removeToxic(proxy: string, name: string, options?: CallOptions): Promise<void>;
  reset(options?: CallOptions): Promise<void>;
  /** GET /metrics: a 404 from a server started without --metrics (or -proxy-metrics, -runtime-metrics). */
  metrics(options?: CallOptions): Promise<string>;
  /** The PEM certificate of the CA that signs the server's `tls.auto` certificates (GET /ca.pem). */
  caCertificate(options?: CallOptions): Promise<string>;
  /**
   * Follows GET /events until the signal aborts or the server ends the stream; a connection the
   * server drops throws FAULTLINE_ERR_STREAM_CLOSED.
   */
  events(options?: EventOptions): AsyncIterable<ServerEvent>;
}

export const DEFAULT_URL = 'http://127.0.0.1:8474';

export function normalizeUrl(url: string): string {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(url) ? url : `http://${url}`;
  return withScheme.replace(/\/+$/, '');
}

export function createClient(options: ClientOptions = {}): FaultlineClient {
  checkClientOptions(options);
  const endpoint = endpointOf(normalizeUrl(options.url ?? DEFAULT_URL), options.token);
  const url = endpoint.url;
  const timeout = options.timeout ?? 30_000;
  const headers = {
    'Content-Type': 'application/json',
    'User-Agent': `faultline-client/${faultlineVersion}`,
    ...endpoint.headers,
  };
  const path = (...parts: string[]) => parts.map(encodeURIComponent).join('/');

  async function send(method: string, route: string, what: string, call: CallOptions, body?: unknown) {
    checkCallOptions(call, what, ['signal', 'onWarning']);
    const deadline = AbortSignal.timeout(timeout);
    const signals = [deadline, ...(call.signal ? [call.signal] : [])];
    let response: BufferedResponse;
    try {
      response = await sendRequest(`${endpoint.base}${route}`, {
        method,
        headers,
        signal: AbortSignal.any(signals),
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (error) {
      if (call.signal?.aborted) throw error;
      if (deadline.aborted) throw timedOut(url, what, timeout, error);
      throw unreachable(url, error);
    }
    if (!response.ok) throw await errorFromResponse(response, what, url);
    if (call.onWarning) for (const text of serverWarnings(response.headers('warning'))) call.onWarning(text);
    return response;
  }

  const json = async <T>(
    method: string,
    route: string,
    what: string,
    call: CallOptions = {},
    body?: unknown,
  ) => JSON.parse(await (await send(method, route, what, call, body)).text()) as T;
  const empty = async (method: string, route: string, what: string, call: CallOptions = {}) => {
    await send(method, route, what, call);
  };

  return {
    url,
    version: async (call) => {
      const response = await send('GET', '/version', 'version', call ?? {});
      const body = JSON.parse(await response.text()) as { version: string; faultline?: string };
      // Servers before 0.1.x put faultline's version in the body; now it is a header, so the
      // body is Toxiproxy's byte for byte.
      const faultline = response.header('x-faultline-version') ?? body.faultline;
      return { version: body.version, ...(faultline === undefined ? {} : { faultline }) };
    },
    proxies: (call) => json('GET', '/proxies', 'list proxies', call),
    proxy: (name, call) => json('GET', `/proxies/${path(name)}`, `get proxy ${name}`, call),
    createProxy: (body, call) => json('POST', '/proxies', `create proxy ${body.name}`, call, body),
    updateProxy: (name, body, call) =>
      json('PATCH', `/proxies/${path(name)}`, `update proxy ${name}`, call, body),
    deleteProxy: (name, call) => empty('DELETE', `/proxies/${path(name)}`, `delete proxy ${name}`, call),
    populate: async (proxies, call) =>
      (await json<{ proxies: TypedProxyJson[] | null }>('POST', '/populate', 'populate', call, proxies))
        .proxies ?? [],
    toxics: (proxy, call) => json('GET', `/proxies/${path(proxy)}/toxics`, `list toxics of ${proxy}`, call),
    toxic: (proxy, name, call) =>
      json('GET', `/proxies/${path(proxy, 'toxics', name)}`, `get toxic ${name} of ${proxy}`, call),
    addToxic: (proxy, body, call) =>
      json('POST', `/proxies/${path(proxy)}/toxics`, `add toxic to proxy ${proxy}`, call, body),
    updateToxic: (proxy, name, body, call) =>
      json(
        'PATCH',
        `/proxies/${path(proxy, 'toxics', name)}`,
        `update toxic ${name} of ${proxy}`,
        call,
        body,
      ),
    removeToxic: (proxy, name, call) =>
      empty('DELETE', `/proxies/${path(proxy, 'toxics', name)}`, `remove toxic ${name} of ${proxy}`, call),
    reset: (call) => empty('POST', '/reset', 'reset', call),
    metrics: async (call) => {
      try {
        return await (await send('GET', '/metrics', 'metrics', call ?? {})).text();
      } catch (error) {
        throw metricsOff(error);
      }
    },
    caCertificate: async (call) => (await send('GET', '/ca.pem', 'CA certificate', call ?? {})).text(),
    events: (eventOptions = {}) => followEvents(endpoint, headers, eventOptions),
  };
}

async function* followEvents(
  { url, base }: Endpoint,
  headers: Record<string, string>,
  options: EventOptions,
) {
  checkCallOptions(options, 'follow events', ['signal', 'types', 'proxy', 'since']);
  const query = new URLSearchParams();
  // Given, each filter goes to the server as written: an empty one is refused there, not dropped here.
  if (options.types !== undefined) query.set('types', options.types.join(','));
  if (options.proxy !== undefined) query.set('proxy', options.proxy);
  if (options.since !== undefined) query.set('since', String(options.since));
  let response: IncomingMessage;
  try {
    response = await open(`${base}/events?${query}`, {
      headers,
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (error) {
    if (options.signal?.aborted) return;
    throw unreachable(url, error);
  }
  const status = response.statusCode ?? 0;
  if (status < 200 || status >= 300) {
    const text = await readText(response);
    throw await errorFromResponse(
      { status, statusText: response.statusMessage ?? '', text: async () => text },
      'follow events',
      url,
    );
  }
  try {
    yield* parseEventStream(response);
  } catch (error) {
    if (!options.signal?.aborted) throw streamClosed(url, error);
  }
}

export { FaultlineApiError };
export type { EventsLostNotice, ServerEvent, StreamedEvent };
export type { EngineEvent } from '../model/events.js';
export type {
  AnsweredAttributesOf,
  ProxyBody,
  ToxicAttributesOf,
  ToxicBody,
  ToxicBodyOf,
  ToxicOf,
  ToxicType,
  ToxicUpdate,
  TypedProxyJson,
};
export type {
  CreateProxyBody,
  CreateToxicBody,
  ProxyJson,
  ToxicJson,
  UpdateProxyBody,
  UpdateToxicBody,
} from '../model/wire.js';
