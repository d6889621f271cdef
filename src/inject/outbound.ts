import http from 'node:http';
import https from 'node:https';
import type { Call } from '../model/fault.js';
import { answerBody } from '../model/fault-answer.js';
import type { ArmedFault } from './apply.js';
import { abortError, type Chosen, choose, delay, errorOf } from './apply.js';

/** Patches global fetch; returns the undo. A status fault answers without a network call. */
export function installFetchFaults(faults: ArmedFault[]): () => void {
  const original = globalThis.fetch;
  globalThis.fetch = async (input: string | URL | Request, init?: RequestInit) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const httpMethod = init?.method ?? (input instanceof Request ? input.method : 'GET');
    // As fetch does: headers given with the call replace those of a Request.
    const headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined));
    const chosen = choose(faults, { url, httpMethod, headers: Object.fromEntries(headers) }, 'fetch');
    if (!chosen) return original(input, init);
    const { fault } = chosen;
    // The app's signal (a timeout, a cancel) ends the call as it would end a slow network call.
    // A signal aborted before the call ends it before the fault does anything: nothing is recorded.
    const signal = init?.signal ?? (input instanceof Request ? input.signal : undefined);
    signal?.throwIfAborted();
    if (fault.delay) {
      const started = performance.now();
      await delay(fault.delay, signal ?? undefined);
      if (signal?.aborted) {
        chosen.cutShort(performance.now() - started);
        signal.throwIfAborted();
      }
    }
    chosen.tookEffect();
    if (fault.status !== undefined) {
      const response = new Response(answerBody(fault.status, fault.body), {
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
 * sent, body included; an error or abort destroys it, so the caller sees an 'error' event as from
 * the network.
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
      holdUntilDecided(client, () => choose(faults, callOf(client, scheme), 'http-client'));
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

/**
 * Decides at the first write(), end() or flushHeaders(), when the headers are final (those set after creating
 * the request included). A fault holds the whole request, body writes too, for its delay, then
 * sends it, or destroys it with the error (what was held is never sent; write callbacks get it).
 * The app may end the request during the delay (destroy(), a timeout that destroys it): the hold
 * ends then, and the fault is recorded as a delay cut short, its effect never having happened.
 */
function holdUntilDecided(client: http.ClientRequest, decide: () => Chosen | undefined): void {
  const write = client.write.bind(client) as (...values: unknown[]) => boolean;
  const end = client.end.bind(client) as (...values: unknown[]) => http.ClientRequest;
  const flushHeaders = client.flushHeaders.bind(client);
  let decided = false;
  let held: Array<{ send: () => void; callback?: ((error: Error) => void) | undefined }> | undefined;
  const start = () => {
    decided = true;
    const chosen = decide();
    if (!chosen) return;
    const { fault } = chosen;
    const failure = fault.abort
      ? Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })
      : fault.error !== undefined
        ? errorOf(fault)
        : undefined;
    held = [];
    const started = performance.now();
    const appEnded = new AbortController();
    const onClose = () => appEnded.abort();
    client.once('close', onClose);
    void delay(fault.delay ?? 0, appEnded.signal).then(() => {
      client.off('close', onClose);
      const waiting = held ?? [];
      held = undefined;
      if (client.destroyed) {
        // As on a request the app destroyed unfaulted: the held writes fail as writes after destroy.
        if (fault.delay) chosen.cutShort(performance.now() - started);
        return waiting.forEach(({ send }) => send());
      }
      chosen.tookEffect();
      if (!failure) return waiting.forEach(({ send }) => send());
      client.destroy(failure);
      waiting.forEach(({ callback }) => callback?.(failure));
    });
  };
  const callbackOf = (values: unknown[]) =>
    values.find((value) => typeof value === 'function') as ((error: Error) => void) | undefined;
  (client as { write: unknown }).write = (...values: unknown[]) => {
    if (!decided) start();
    if (!held) return write(...values);
    held.push({ send: () => write(...values), callback: callbackOf(values) });
    return true;
  };
  (client as { end: unknown }).end = (...values: unknown[]) => {
    if (!decided) start();
    if (!held) return end(...values);
    held.push({ send: () => end(...values) });
    return client;
  };
  // flushHeaders() sends the headers before any body (streaming uploads): held like a write.
  client.flushHeaders = () => {
    if (!decided) start();
    if (!held) return flushHeaders();
    held.push({ send: flushHeaders });
  };
}
