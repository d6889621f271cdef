import http from 'node:http';
import https from 'node:https';
import type { Call } from '../model/fault.js';
import type { ArmedFault } from './apply.js';
import { abortError, delay, errorOf, pick } from './apply.js';

/** Patches global fetch; returns the undo. A status fault answers without a network call. */
export function installFetchFaults(faults: ArmedFault[]): () => void {
  const original = globalThis.fetch;
  globalThis.fetch = async (input: string | URL | Request, init?: RequestInit) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const httpMethod = init?.method ?? (input instanceof Request ? input.method : 'GET');
    // As fetch does: headers given with the call replace those of a Request.
    const headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined));
    const fault = pick(faults, { url, httpMethod, headers: Object.fromEntries(headers) }, 'fetch');
    if (!fault) return original(input, init);
    // The app's signal (a timeout, a cancel) ends the call as it would end a slow network call.
    const signal = init?.signal ?? (input instanceof Request ? input.signal : undefined);
    if (fault.delay) await delay(fault.delay, signal ?? undefined);
    signal?.throwIfAborted();
    if (fault.status !== undefined) {
      const response = new Response(fault.body ?? `injected fault: status ${fault.status}`, {
        status: fault.status,
        headers: { 'x-faultline-fault': 'injected' },
      });
      // As a response from the network, it says which URL answered (a new Response has '').
      return Object.defineProperty(response, 'url', { value: URL.canParse(url) ? new URL(url).href : url });
    }
    if (fault.abort) throw abortError();
    if (fault.error !== undefined) throw new TypeError('fetch failed', { cause: errorOf(fault) });
    return original(input, init);
  };
  return () => {
    globalThis.fetch = original;
  };
}

/**
 * Patches http.request/get and https.request/get. A delay holds the request back before it is
 * sent; an error or abort destroys it, so the caller sees an 'error' event as from the network.
 */
export function installHttpFaults(faults: ArmedFault[]): () => void {
  const undo: Array<() => void> = [];
  for (const [module, scheme] of [
    [http, 'http:'],
    [https, 'https:'],
  ] as const) {
    const request = module.request;
    const get = module.get;
    const patched = function (this: unknown, ...args: Parameters<typeof http.request>) {
      const client = (request as (...values: unknown[]) => http.ClientRequest).apply(this, args);
      const end = client.end.bind(client) as (...values: unknown[]) => http.ClientRequest;
      let decided = false;
      // Decided at end(), so the headers the app sets after creating the request are seen.
      (client as { end: unknown }).end = (...values: unknown[]) => {
        if (decided) return end(...values);
        decided = true;
        const fault = pick(faults, callOf(client, scheme), 'http-client');
        if (!fault) return end(...values);
        const failure = fault.abort
          ? Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })
          : fault.error !== undefined
            ? errorOf(fault)
            : undefined;
        void delay(fault.delay ?? 0).then(() => (failure ? client.destroy(failure) : end(...values)));
        return client;
      };
      return client;
    };
    module.request = patched as typeof http.request;
    module.get = ((...args: Parameters<typeof http.get>) => {
      const client = (patched as (...values: unknown[]) => http.ClientRequest)(...args);
      client.end();
      return client;
    }) as typeof http.get;
    undo.push(() => {
      module.request = request;
      module.get = get;
    });
  }
  return () => undo.forEach((step) => step());
}

function callOf(client: http.ClientRequest, scheme: string): Call {
  // The Host header Node sets carries the port (and brackets an IPv6 host); client.host has neither.
  const authority = client.getHeader('host') ?? client.host;
  const headers = client.getHeaders() as Record<string, string | string[] | undefined>;
  return { url: `${scheme}//${String(authority)}${client.path}`, httpMethod: client.method, headers };
}
