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
import { answerBody } from '../model/fault-answer.js';
import type { FaultApplied } from '../model/fault-event.js';
import { fetchAnswer } from './fetch-answer.js';
import { refusedBeforeSending } from './fetch-refused.js';
import { answer, answerKeys, uploadSent, uploadSize } from './xhr-answer.js';

interface Config {
  faults: FaultSpec[];
}

/** A fault chosen for a request, reported only when it takes effect (see FaultApplied). */
interface Chosen {
  fault: FaultSpec;
  /** The fault's name in reports and counts. */
  name: string;
  /** Reports the fault's effect as done: its delay held in full, then the effect happened. */
  tookEffect(): void;
  /**
   * Reports a delay cut short, its effect never having happened: by the page giving up ('app'),
   * uninstall ('replaced'), or a WebSocket's server closing it ('peer'). `who` and `then` replace
   * the console line's words for what cut it and what followed.
   */
  cutShort(heldMs: number, by: 'app' | 'replaced' | 'peer', words?: { who?: string; then?: string }): void;
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
  /**
   * The first fault that applies to this request. It is not reported yet: what faultline reports
   * is what happened, so the caller reports it when its effect happens, or its delay is cut short.
   */
  const choose = (call: Call, target: string): Chosen | undefined => {
    for (const [index, decider] of deciders.entries()) {
      if (decider.decide(call))
        return chosen(decider.fault, decider.fault.name ?? `fault-${index + 1}`, call, target);
    }
    return undefined;
  };
  /** Reports a fault once: counted, logged, and dispatched as a "faultline:fault" event on window. */
  const chosen = (fault: FaultSpec, name: string, call: Call, target: string): Chosen => {
    let reported = false;
    const report = (effect: string, text: string, cutShort?: FaultApplied['cutShort']) => {
      if (reported) return;
      reported = true;
      counts[name] = (counts[name] ?? 0) + 1;
      console.warn(`${tag} ${target} ${call.httpMethod ?? ''} ${call.url}: ${text}`);
      const detail: FaultApplied = {
        fault: name,
        target,
        effect,
        call: { ...call },
        ...(cutShort ? { cutShort } : {}),
      };
      window.dispatchEvent(new CustomEvent('faultline:fault', { detail }));
    };
    return {
      fault,
      name,
      tookEffect: () => report(effectOf(fault) ?? 'delay', explainFault(fault, 'requests')),
      cutShort: (ms, by, { who = cutBy[by], then = cutThen[by] } = {}) => {
        const heldMs = Math.round(ms);
        report('delay', `${who} after ${heldMs} ms of the ${fault.delay ?? 0} ms delay; ${then}`, {
          heldMs,
          by,
        });
      },
    };
  };
  /** Who cut a delay short, and what followed, in the console line. */
  const cutBy = {
    app: 'the page gave up',
    replaced: 'faultline was uninstalled',
    peer: 'the server closed the socket',
  };
  const cutThen = {
    app: 'nothing else happened',
    replaced: 'the request went on untouched',
    peer: 'the message was never sent',
  };
  /** What a delay holds: uninstall lets each go on at once, with no further fault. */
  const held = new Set<() => void>();
  /**
   * Calls `go` after `ms`, or at once with `released` true when the script is uninstalled first.
   * Returns what cancels the hold without calling `go` (the page gave up on the request).
   */
  const hold = (ms: number, go: (released: boolean) => void) => {
    const cancel = () => {
      clearTimeout(timer);
      held.delete(release);
    };
    const release = () => {
      cancel();
      go(true);
    };
    const timer = setTimeout(() => {
      held.delete(release);
      go(false);
    }, ms);
    held.add(release);
    return cancel;
  };
  /** Resolves true when released by uninstall; ends early (false) when the page's signal aborts. */
  const wait = (ms = 0, signal?: AbortSignal | null) =>
    new Promise<boolean>((resolve) => {
      const cancel = hold(ms, (released) => {
        signal?.removeEventListener('abort', stop);
        resolve(released);
      });
      const stop = () => {
        cancel();
        resolve(false);
      };
      signal?.addEventListener('abort', stop, { once: true });
    });
  const absolute = (url: string | URL) => new URL(String(url), location.href).href;

  const originalFetch = window.fetch;
  window.fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    // The browser rejects it with its own TypeError and sends nothing: no fault has anything to do.
    if (refusedBeforeSending(input, init)) return originalFetch(input, init);
    const url = absolute(input instanceof Request ? input.url : input);
    const httpMethod = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
    const chosen = choose({ url, httpMethod }, 'fetch');
    if (!chosen) return originalFetch(input, init);
    const { fault } = chosen;
    // The page's signal (a timeout, a cancel) ends the call as it ends a slow network call.
    // A signal aborted before the call ends it before the fault does anything: nothing is reported.
    const signal = init?.signal ?? (input instanceof Request ? input.signal : undefined);
    signal?.throwIfAborted();
    const started = performance.now();
    const released = await wait(fault.delay, signal);
    if (signal?.aborted) {
      if (fault.delay) chosen.cutShort(performance.now() - started, 'app');
      signal.throwIfAborted();
    }
    if (released) {
      if (fault.delay) chosen.cutShort(performance.now() - started, 'replaced');
      return originalFetch(input, init);
    }
    chosen.tookEffect();
    const effect = effectOf(fault);
    if (effect === 'status') {
      const status = fault.status ?? 500;
      const mode = init?.mode ?? (input instanceof Request ? input.mode : 'cors');
      const redirect = init?.redirect ?? (input instanceof Request ? input.redirect : 'follow');
      const head = httpMethod === 'HEAD';
      return fetchAnswer({ status, body: answerBody(status, fault.body), url, mode, redirect, head });
    }
    if (effect === 'abort') throw new DOMException('The operation was aborted (faultline)', 'AbortError');
    if (effect === 'error') throw new TypeError('Failed to fetch (faultline)');
    return originalFetch(input, init);
  };

  /** What a fault sets on a request in place of the browser's values; a new open() takes them away. */
  const faked = answerKeys;
  /** The readyState a fault set on a request, if one did. */
  const readsAs = (request: XMLHttpRequest): unknown =>
    Object.getOwnPropertyDescriptor(request, 'readyState') && request.readyState;
  /** UNSENT: the browser's own values for the rest (status 0, '' or null), as the request was never sent. */
  const unsent = (request: XMLHttpRequest) => {
    for (const key of faked) Reflect.deleteProperty(request, key);
    Object.defineProperty(request, 'readyState', { configurable: true, value: 0 });
  };
  /**
   * What xhr.abort() does to a request in flight in Chromium: readyState 4 with status 0,
   * readystatechange, abort and loadend (on the upload first, body or not), then readyState 0.
   */
  const abortLikeThePage = (request: XMLHttpRequest) => {
    endLikeThePage(request, 'abort');
    // Unless the page opened it again from a handler: then it is that new request's.
    if (readsAs(request) === 4) unsent(request);
  };
  /** How a request in flight ends on abort or timeout: readyState 4, status 0, then the events. */
  const endLikeThePage = (request: XMLHttpRequest, type: 'abort' | 'timeout', uploading = true) => {
    Object.defineProperty(request, 'readyState', { configurable: true, value: 4 });
    request.dispatchEvent(new Event('readystatechange'));
    for (const target of uploading ? [request.upload, request] : [request])
      for (const name of [type, 'loadend']) target.dispatchEvent(new ProgressEvent(name));
  };

  const xhr = XMLHttpRequest.prototype;
  const originalOpen = xhr.open;
  const originalSend = xhr.send;
  const originalAbort = xhr.abort;
  const timeoutProperty = Object.getOwnPropertyDescriptor(xhr, 'timeout');
  const calls = new WeakMap<XMLHttpRequest, Call>();
  /**
   * Requests whose loadstart the page must not see again: a held request sent late. Each request
   * is made with a first listener of its own that stops it; listeners run in the order they were added.
   */
  const muted = new WeakSet<XMLHttpRequest>();
  const OriginalXMLHttpRequest = window.XMLHttpRequest;
  class GatedXMLHttpRequest extends OriginalXMLHttpRequest {
    constructor() {
      super();
      const gate = (event: Event) => {
        if (muted.has(this)) event.stopImmediatePropagation();
      };
      this.addEventListener('loadstart', gate);
      this.upload.addEventListener('loadstart', gate);
    }
  }
  window.XMLHttpRequest = GatedXMLHttpRequest;
  /** What ends the hold of a request a delay holds, as the page aborts it. */
  const holding = new WeakMap<XMLHttpRequest, (type: 'abort' | 'reopen') => void>();
  xhr.open = function (this: XMLHttpRequest, method: string, url: string | URL, ...rest: unknown[]) {
    // As open() on a request in flight ends it quietly: a held one is let go, with no fault after.
    holding.get(this)?.('reopen');
    for (const key of faked) Reflect.deleteProperty(this, key);
    calls.set(this, { url: absolute(url), httpMethod: method.toUpperCase() });
    return (originalOpen as (...args: unknown[]) => void).call(this, method, url, ...rest);
  } as typeof xhr.open;
  xhr.send = function (this: XMLHttpRequest, body?: Document | XMLHttpRequestBodyInit | null) {
    // UNSENT after an abort(), though the browser's request is still OPENED: send() refuses, as on UNSENT.
    if (readsAs(this) === 0)
      throw new DOMException(
        "Failed to execute 'send' on 'XMLHttpRequest': The object's state must be OPENED.",
        'InvalidStateError',
      );
    const call = calls.get(this);
    const chosen = call && choose(call, 'xhr');
    if (!chosen) return originalSend.call(this, body);
    const { fault } = chosen;
    const effect = effectOf(fault);
    const sent = performance.now();
    // send() starts the request at once, held or not: loadstart, and the upload's when it has a body.
    const size = uploadSize(call.httpMethod, body);
    this.dispatchEvent(new ProgressEvent('loadstart'));
    if (size !== undefined)
      this.upload.dispatchEvent(new ProgressEvent('loadstart', { lengthComputable: true, total: size }));
    // The page's xhr.timeout counts from send(), held time included, as for a slow network.
    const timeout = this.timeout;
    const timer =
      timeout > 0 && timeout <= (fault.delay ?? 0) ? setTimeout(() => giveUp('timeout'), timeout) : 0;
    const giveUp = (type: 'abort' | 'timeout' | 'reopen') => {
      cancel();
      if (fault.delay) chosen.cutShort(performance.now() - sent, 'app');
      clearTimeout(timer);
      holding.delete(this);
      if (type === 'abort') abortLikeThePage(this);
      else if (type === 'timeout') endLikeThePage(this, 'timeout');
    };
    holding.set(this, giveUp);
    const cancel = hold(fault.delay ?? 0, (released) => {
      clearTimeout(timer);
      holding.delete(this);
      if (released) {
        if (fault.delay) chosen.cutShort(performance.now() - sent, 'replaced');
        return sendNow();
      }
      chosen.tookEffect();
      if (effect === undefined) sendNow();
      else if (effect === 'status') {
        // The server answered, so the body went out in full first.
        if (size !== undefined) uploadSent(this, size);
        const status = fault.status ?? 500;
        const head = call.httpMethod === 'HEAD';
        answer(this, { status, body: answerBody(status, fault.body), url: call.url ?? '', head });
      } else if (effect === 'error') {
        // A network error, as from a refused connection: a body being sent fails on the upload first.
        Object.defineProperty(this, 'readyState', { configurable: true, value: 4 });
        this.dispatchEvent(new Event('readystatechange'));
        for (const target of size === undefined ? [this] : [this.upload, this])
          for (const type of ['error', 'loadend']) target.dispatchEvent(new ProgressEvent(type));
      } else if (effect === 'abort') abortLikeThePage(this);
      else sendNow();
    });
    const sendNow = () => {
      if (timeout > 0) timeoutProperty?.set?.call(this, Math.max(1, timeout - (performance.now() - sent)));
      // The page saw loadstart at send(); the browser's own, fired now, is not shown again.
      muted.add(this);
      try {
        originalSend.call(this, body);
      } finally {
        muted.delete(this);
      }
    };
  };
  xhr.abort = function (this: XMLHttpRequest) {
    const giveUp = holding.get(this);
    if (giveUp) return giveUp('abort');
    const state = readsAs(this);
    originalAbort.call(this);
    // An answer being read (2 or 3) ends as a real one does; its upload was done, so fires nothing.
    if (state === 2 || state === 3) {
      endLikeThePage(this, 'abort', false);
      if (readsAs(this) === 4) unsent(this);
    }
    // A request a fault ended is DONE to the page: abort() makes it UNSENT with a network error's
    // status 0 and empty body, and fires nothing (XHR standard, abort() step 3; Chromium alike).
    if (readsAs(this) === 4) unsent(this);
  };

  const OriginalWebSocket = window.WebSocket;
  /** The URL a socket connects to: a relative or http(s) one is resolved as the browser does, to ws(s). */
  const socketUrl = (url: string | URL) => {
    const resolved = new URL(String(url), location.href);
    if (resolved.protocol === 'http:' || resolved.protocol === 'https:')
      resolved.protocol = resolved.protocol === 'http:' ? 'ws:' : 'wss:';
    return resolved.href;
  };
  class FaultyWebSocket extends OriginalWebSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols);
      const call = { url: socketUrl(url), httpMethod: 'GET' };
      const chosen = choose(call, 'websocket');
      if (!chosen) return;
      const effect = effectOf(chosen.fault);
      // A handshake answered with an error status fails the socket as a refused one does.
      if (effect === 'error' || effect === 'abort' || effect === 'status') refuse(this, chosen);
      else if (chosen.fault.delay) delayMessages(this, chosen, chosen.fault.delay, call);
    }
  }
  /**
   * Fails the handshake, after the delay if there is one: the real socket is closed at once and
   * its own events never reach the page, which sees CONNECTING until then (send() throws as on
   * any socket not open yet), then error and close 1006, as from a server that refused the
   * handshake. With no delay, they come after the real socket's own close, as a refusal comes
   * over the network: never within the task that made the socket. The page's close() before
   * then ends it as it ends a socket that has not opened yet.
   */
  const refuse = (socket: WebSocket, chosen: Chosen) => {
    const delay = chosen.fault.delay ?? 0;
    const own = new WeakSet<Event>();
    let state: number = OriginalWebSocket.CONNECTING;
    Object.defineProperty(socket, 'readyState', { configurable: true, get: () => state });
    // Without a delay, the refusal goes on once the real socket has closed (its events stopped).
    let cancel = () => {};
    const started = performance.now();
    const fail = () => {
      if (state === OriginalWebSocket.CLOSED) return;
      state = OriginalWebSocket.CLOSED;
      dispatch(new Event('error'));
      dispatch(new CloseEvent('close', { code: 1006, reason: '', wasClean: false }));
    };
    const start = () => {
      if (state !== OriginalWebSocket.CONNECTING) return;
      cancel = hold(delay, (released) => {
        if (delay && released)
          chosen.cutShort(performance.now() - started, 'replaced', {
            then: 'the socket failed at once, its connection being closed already',
          });
        else if (delay) chosen.tookEffect();
        fail();
      });
    };
    if (delay) start();
    else {
      chosen.tookEffect();
      socket.addEventListener('close', (event) => !own.has(event) && start(), { once: true });
    }
    for (const type of ['open', 'message', 'error', 'close'])
      socket.addEventListener(type, (event) => {
        if (!own.has(event)) event.stopImmediatePropagation();
      });
    socket.close();
    const dispatch = (event: Event) => {
      own.add(event);
      socket.dispatchEvent(event);
    };
    const send = socket.send.bind(socket);
    socket.send = (data) => {
      if (state !== OriginalWebSocket.CONNECTING) return send(data);
      throw new DOMException(
        "Failed to execute 'send' on 'WebSocket': Still in CONNECTING state.",
        'InvalidStateError',
      );
    };
    const close = socket.close.bind(socket);
    socket.close = (code?: number, reason?: string) => {
      // The real close() checks its arguments first (a code of 999 throws), then does nothing.
      closeWith(close, code, reason);
      if (state !== OriginalWebSocket.CONNECTING) return;
      cancel();
      state = OriginalWebSocket.CLOSING;
      if (delay)
        chosen.cutShort(performance.now() - started, 'app', {
          who: 'the page closed the socket',
          then: 'it failed as a socket closed before it opens does',
        });
      setTimeout(fail, 0);
    };
  };
  /**
   * Holds each message the page sends on an open socket for the delay, and reports each one when
   * it is sent. The page's close() sends what is held at once, ahead of the close frame, as a slow
   * network delivers what was sent before the close; a socket the server closed sends nothing more.
   */
  const delayMessages = (socket: WebSocket, first: Chosen, delay: number, call: Call) => {
    const send = socket.send.bind(socket);
    const close = socket.close.bind(socket);
    const waiting = new Set<(by: 'app' | 'peer') => void>();
    let next: Chosen | undefined = first;
    // What is held counts in bufferedAmount, as data a slow network has not taken yet; a message
    // never sent (the server closed the socket) stays counted, as the standard says of a closed one.
    let heldBytes = 0;
    const buffered = Object.getOwnPropertyDescriptor(OriginalWebSocket.prototype, 'bufferedAmount')?.get;
    Object.defineProperty(socket, 'bufferedAmount', {
      configurable: true,
      get: () => Number(buffered?.call(socket) ?? 0) + heldBytes,
    });
    socket.send = (data) => {
      // Not open: the real send throws (CONNECTING) or drops the message (closing), with no delay.
      if (uninstalled || socket.readyState !== OriginalWebSocket.OPEN) return send(data);
      const message = next ?? chosen(first.fault, first.name, call, 'websocket');
      next = undefined;
      const started = performance.now();
      const size = byteSize(data);
      heldBytes += size;
      const sendHeld = () => {
        heldBytes -= size;
        send(data);
      };
      const cancel = hold(delay, (released) => {
        waiting.delete(end);
        // The server's close frame came during the hold: the socket is closing, the message cannot go.
        if (!released && socket.readyState !== OriginalWebSocket.OPEN)
          return message.cutShort(performance.now() - started, 'peer');
        if (released)
          message.cutShort(performance.now() - started, 'replaced', { then: 'the message went at once' });
        else message.tookEffect();
        sendHeld();
      });
      const end = (by: 'app' | 'peer') => {
        cancel();
        waiting.delete(end);
        if (by === 'peer' || socket.readyState !== OriginalWebSocket.OPEN)
          return message.cutShort(performance.now() - started, 'peer');
        message.cutShort(performance.now() - started, by, {
          who: 'the page closed the socket',
          then: 'the message went at once, ahead of the close',
        });
        sendHeld();
      };
      waiting.add(end);
    };
    socket.close = (code?: number, reason?: string) => {
      // Arguments close() refuses throw before anything is sent, as without the script.
      checkCloseArguments(code, reason);
      for (const end of [...waiting]) end('app');
      closeWith(close, code, reason);
    };
    socket.addEventListener('close', () => {
      for (const end of [...waiting]) end('peer');
    });
  };
  window.WebSocket = FaultyWebSocket;
  /** Calls a close() with the arguments as the page gave them: none, a code, or a code and a reason. */
  const closeWith = (close: WebSocket['close'], code?: number, reason?: string) =>
    reason !== undefined ? close(code, reason) : code !== undefined ? close(code) : close();
  /** What close() refuses, with Chromium's words: a code not 1000 nor 3000-4999, a reason over 123 bytes. */
  const checkCloseArguments = (code?: number, reason?: string) => {
    const failed = (problem: string, name: string) =>
      new DOMException(`Failed to execute 'close' on 'WebSocket': ${problem}`, name);
    if (code !== undefined) {
      const clamped = Math.min(Math.max(Math.round(Number(code)) || 0, 0), 65535);
      if (clamped !== 1000 && (clamped < 3000 || clamped > 4999))
        throw failed(
          `The close code must be either 1000, or between 3000 and 4999. ${clamped} is neither.`,
          'InvalidAccessError',
        );
    }
    if (reason !== undefined && new TextEncoder().encode(String(reason)).byteLength > 123)
      throw failed('The close reason must not be greater than 123 UTF-8 bytes.', 'SyntaxError');
  };
  /** The bytes a message adds to bufferedAmount: UTF-8 for text, else its size. */
  const byteSize = (data: string | ArrayBufferLike | Blob | ArrayBufferView) =>
    typeof data === 'string'
      ? new TextEncoder().encode(data).byteLength
      : data instanceof Blob
        ? data.size
        : data.byteLength;

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
      xhr.abort = originalAbort;
      window.XMLHttpRequest = OriginalXMLHttpRequest;
      window.WebSocket = OriginalWebSocket;
      delete window.faultline;
      console.info(`${tag} uninstalled`);
    },
  };
}

if (window.faultline) window.faultline.uninstall();
window.faultline = install(window.__FAULTLINE_CONFIG__ ?? { faults: [] });
