/**
 * The browser script: patches fetch, XMLHttpRequest and WebSocket with faultline's fault model
 * (the same decision logic as in Node), logs each fault it applies to the console, and can be
 * removed with `window.faultline.uninstall()`. Configured by `window.__FAULTLINE_CONFIG__`.
 */
import {
  type Call,
  createDecider,
  effectOf,
  explainFault,
  type FaultDecider,
  type FaultSpec,
} from '../model/fault.js';

interface Config {
  faults: FaultSpec[];
}

interface Installed {
  faults: FaultSpec[];
  counts: Record<string, number>;
  uninstall(): void;
}

declare global {
  interface Window {
    __FAULTLINE_CONFIG__?: Config;
    faultline?: Installed;
  }
}

const tag = '[faultline]';

function install(config: Config): Installed {
  const clock = { now: () => performance.now() };
  let uninstalled = false;
  const deciders: FaultDecider[] = config.faults.map((fault) => createDecider(fault, clock));
  const counts: Record<string, number> = {};
  const pick = (call: Call, target: string): FaultSpec | undefined => {
    for (const [index, decider] of deciders.entries()) {
      if (!decider.decide(call)) continue;
      const name = decider.fault.name ?? `fault-${index + 1}`;
      counts[name] = (counts[name] ?? 0) + 1;
      console.warn(
        `${tag} ${target} ${call.httpMethod ?? ''} ${call.url}: ${explainFault(decider.fault, 'requests')}`,
      );
      return decider.fault;
    }
    return undefined;
  };
  /** What a delay holds: uninstall lets each go on at once, with no further fault. */
  const held = new Set<() => void>();
  /** Calls `go` after `ms`, or at once with `released` true when the script is uninstalled first. */
  const hold = (ms: number, go: (released: boolean) => void) => {
    const release = () => {
      clearTimeout(timer);
      held.delete(release);
      go(true);
    };
    const timer = setTimeout(() => {
      held.delete(release);
      go(false);
    }, ms);
    held.add(release);
  };
  const wait = (ms = 0) => new Promise<boolean>((resolve) => hold(ms, resolve));
  const absolute = (url: string | URL) => new URL(String(url), location.href).href;

  const originalFetch = window.fetch;
  window.fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = absolute(input instanceof Request ? input.url : input);
    const httpMethod = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
    const fault = pick({ url, httpMethod }, 'fetch');
    if (!fault) return originalFetch(input, init);
    if (await wait(fault.delay)) return originalFetch(input, init);
    const effect = effectOf(fault);
    if (effect === 'status')
      return new Response(fault.body ?? `injected fault: status ${fault.status}`, {
        status: fault.status ?? 500,
      });
    if (effect === 'abort') throw new DOMException('The operation was aborted (faultline)', 'AbortError');
    if (effect === 'error') throw new TypeError('Failed to fetch (faultline)');
    return originalFetch(input, init);
  };

  /**
   * What xhr.abort() does to a request in flight in Chromium: readyState 4 with status 0,
   * readystatechange, abort and loadend (on the upload first, body or not), then readyState 0.
   */
  const abortLikeThePage = (request: XMLHttpRequest) => {
    const readyState = (value: number) =>
      Object.defineProperty(request, 'readyState', { configurable: true, value });
    readyState(4);
    request.dispatchEvent(new Event('readystatechange'));
    for (const target of [request.upload, request])
      for (const type of ['abort', 'loadend']) target.dispatchEvent(new ProgressEvent(type));
    readyState(0);
  };

  const xhr = XMLHttpRequest.prototype;
  const originalOpen = xhr.open;
  const originalSend = xhr.send;
  const calls = new WeakMap<XMLHttpRequest, Call>();
  xhr.open = function (this: XMLHttpRequest, method: string, url: string | URL, ...rest: unknown[]) {
    calls.set(this, { url: absolute(url), httpMethod: method.toUpperCase() });
    return (originalOpen as (...args: unknown[]) => void).call(this, method, url, ...rest);
  } as typeof xhr.open;
  xhr.send = function (this: XMLHttpRequest, body?: Document | XMLHttpRequestBodyInit | null) {
    const call = calls.get(this);
    const fault = call && pick(call, 'xhr');
    if (!fault) return originalSend.call(this, body);
    const effect = effectOf(fault);
    hold(fault.delay ?? 0, (released) => {
      if (released) originalSend.call(this, body);
      else if (effect === 'status') {
        const text = fault.body ?? `injected fault: status ${fault.status}`;
        for (const [key, value] of Object.entries({
          readyState: 4,
          status: fault.status,
          statusText: 'Injected',
          responseText: text,
          response: text,
        })) {
          Object.defineProperty(this, key, { configurable: true, value });
        }
        for (const type of ['readystatechange', 'load', 'loadend'])
          this.dispatchEvent(new ProgressEvent(type));
      } else if (effect === 'error') {
        Object.defineProperty(this, 'readyState', { configurable: true, value: 4 });
        for (const type of ['readystatechange', 'error', 'loadend'])
          this.dispatchEvent(new ProgressEvent(type));
      } else if (effect === 'abort') abortLikeThePage(this);
      else originalSend.call(this, body);
    });
  };

  const OriginalWebSocket = window.WebSocket;
  class FaultyWebSocket extends OriginalWebSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols);
      const fault = pick({ url: absolute(url), httpMethod: 'GET' }, 'websocket');
      if (!fault) return;
      const effect = effectOf(fault);
      // A handshake answered with an error status fails the socket as a refused one does.
      if (effect === 'error' || effect === 'abort' || effect === 'status') this.close();
      else if (fault.delay) {
        const send = this.send.bind(this);
        const delay = fault.delay;
        this.send = (data) => (uninstalled ? send(data) : hold(delay, () => send(data)));
      }
    }
  }
  window.WebSocket = FaultyWebSocket;

  console.info(
    `${tag} installed ${config.faults.length} fault(s): ${config.faults.map((fault) => explainFault(fault, 'requests')).join('; ')}`,
  );
  return {
    faults: config.faults,
    counts,
    uninstall() {
      uninstalled = true;
      for (const release of [...held]) release();
      window.fetch = originalFetch;
      xhr.open = originalOpen;
      xhr.send = originalSend;
      window.WebSocket = OriginalWebSocket;
      delete window.faultline;
      console.info(`${tag} uninstalled`);
    },
  };
}

if (window.faultline) window.faultline.uninstall();
window.faultline = install(window.__FAULTLINE_CONFIG__ ?? { faults: [] });
