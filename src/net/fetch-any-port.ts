import { Readable } from 'node:stream';
import { Agent, type Dispatcher, getGlobalDispatcher, interceptors, request } from 'undici';

/**
 * fetch, as the WHATWG standard defines it, refuses the ports browsers block (6000, 6665-6669,
 * 10080 ...): a Prometheus, Vault, etcd or faultline server listening there would look
 * unreachable with "fetch failed: bad port". This sends the request with undici's `request`, which
 * has no such list, follows redirects as fetch does, and answers a standard `Response`.
 * Network errors keep their own message ("connect ECONNREFUSED 127.0.0.1:6000") and `code`.
 */
export interface AnyPortRequest {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
  /** Accept any certificate from an https server (`verify_tls: false`). */
  insecure?: boolean;
}

const follow = interceptors.redirect({ maxRedirections: 20 });
let verifying: Dispatcher | undefined;
let trusting: Dispatcher | undefined;

/** Statuses whose answer has no body: a `Response` refuses to be built with one. */
const BODILESS = new Set([101, 204, 205, 304]);

/** CA certificates (PEM) to trust instead of Node's, and the file they came from. */
export interface TrustedCas {
  path: string;
  pem: string;
}

/**
 * undici's dispatcher that follows redirects as fetch does; `insecure` accepts any certificate,
 * `cas` trusts those CAs alone (requests' REQUESTS_CA_BUNDLE).
 */
export function redirectingDispatcher(insecure: boolean, cas?: TrustedCas): Dispatcher {
  if (cas && !insecure) return connectTimeoutDispatcher(false, undefined, cas);
  return insecure
    ? (trusting ??= new Agent({ connect: { rejectUnauthorized: false } }).compose(follow))
    : (verifying ??= getGlobalDispatcher().compose(follow));
}

const timed = new Map<string, Dispatcher>();

/**
 * Like redirectingDispatcher, with a connect timeout of its own (requests' connect timeout; undici
 * sets it on the agent, not the request). One agent per value, kept for the process.
 */
export function connectTimeoutDispatcher(
  insecure: boolean,
  connectMs: number | undefined,
  cas?: TrustedCas,
): Dispatcher {
  const trusted = insecure ? undefined : cas;
  const key = `${insecure}:${connectMs}:${trusted?.path ?? ''}:${trusted?.pem.length ?? 0}`;
  let dispatcher = timed.get(key);
  if (!dispatcher) {
    dispatcher = new Agent({
      connect: {
        ...(connectMs === undefined ? {} : { timeout: connectMs }),
        ...(insecure ? { rejectUnauthorized: false } : {}),
        ...(trusted ? { ca: trusted.pem } : {}),
      },
    }).compose(follow);
    timed.set(key, dispatcher);
  }
  return dispatcher;
}

export async function fetchAnyPort(url: string | URL, init: AnyPortRequest = {}): Promise<Response> {
  const dispatcher = redirectingDispatcher(init.insecure === true);
  const answer = await request(url, {
    method: (init.method ?? 'GET') as Dispatcher.HttpMethod,
    ...(init.headers ? { headers: init.headers } : {}),
    ...(init.body === undefined ? {} : { body: init.body }),
    ...(init.signal ? { signal: init.signal } : {}),
    dispatcher,
  });
  const headers = new Headers();
  for (const [name, value] of Object.entries(answer.headers)) {
    for (const one of Array.isArray(value) ? value : value === undefined ? [] : [value])
      headers.append(name, one);
  }
  if (BODILESS.has(answer.statusCode)) {
    await answer.body.dump();
    return new Response(null, { status: answer.statusCode, headers });
  }
  const body = Readable.toWeb(answer.body) as ReadableStream<Uint8Array>;
  return new Response(body, { status: answer.statusCode, headers });
}
