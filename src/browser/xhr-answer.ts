/**
 * A status fault's answer to an XHR, given as the network gives a real one in Chromium: the
 * request goes through HEADERS_RECEIVED (2), LOADING (3) and DONE (4) with the events of each,
 * and reads as an answer with a status line, headers and a body would (compared with a real
 * 503 in test/browser-xhr-states.test.ts).
 */
import { reasonPhrase } from '../model/reason-phrase.js';

/** What the fault answers: its status, its body (null for a 204, 205 or 304), the URL asked for. */
export interface XhrAnswer {
  status: number;
  body: string | null;
  url: string;
  /** A HEAD request: the headers say what a GET would get, and no body comes. */
  head?: boolean;
}

/** The properties and methods an answer sets on a request; a new open() or abort() takes them away. */
export const answerKeys = [
  'readyState',
  'status',
  'statusText',
  'responseURL',
  'response',
  'responseText',
  'getAllResponseHeaders',
  'getResponseHeader',
];

/**
 * The headers of the answer, by lower-case name, in the order getAllResponseHeaders() sorts them:
 * the body's length and type (a text body, as fetch's `new Response(text)` says it is), and the
 * mark the Node faults put on an injected answer.
 */
export function answerHeaders(body: string | null): [string, string][] {
  const headers: [string, string][] = [];
  if (body !== null) {
    headers.push(['content-length', String(new TextEncoder().encode(body).byteLength)]);
    headers.push(['content-type', 'text/plain;charset=UTF-8']);
  }
  headers.push(['x-faultline-fault', 'injected']);
  return headers;
}

/**
 * Whether the page may read a header of an answer from another origin that exposes none: the
 * CORS-safelisted response headers (Fetch standard), of which an answer has content-length and
 * content-type.
 */
export function readableAcrossOrigins(name: string): boolean {
  return [
    'cache-control',
    'content-language',
    'content-length',
    'content-type',
    'expires',
    'last-modified',
    'pragma',
  ].includes(name);
}

/** Fires the events of the upload of a request body that went out in full, as Chromium does. */
export function uploadSent(request: XMLHttpRequest, size: number): void {
  for (const type of ['progress', 'load', 'loadend'])
    request.upload.dispatchEvent(
      new ProgressEvent(type, { lengthComputable: true, loaded: size, total: size }),
    );
}

/**
 * Answers the request: readyState 2 with the status line and headers, 3 with the body and a
 * progress event, then 4, load and loadend, as a real answer read in one piece. The page may
 * open() the request again from a handler: then the rest is that new request's, and nothing more fires.
 */
export function answer(request: XMLHttpRequest, { status, body, url, head = false }: XhrAnswer): void {
  const text = head ? '' : (body ?? '');
  const type = request.responseType;
  // From another origin, the page reads only the headers any page may (no x-faultline-fault).
  const crossOrigin = new URL(url).origin !== location.origin;
  const headers = answerHeaders(body).filter(([name]) => !crossOrigin || readableAcrossOrigins(name));
  const size = new TextEncoder().encode(text).byteLength;
  let state = 2;
  const define = (key: string, descriptor: PropertyDescriptor) =>
    Object.defineProperty(request, key, { configurable: true, ...descriptor });
  const readyState = () => state;
  define('readyState', { get: readyState });
  define('status', { value: status });
  define('statusText', { value: reasonPhrase(status) });
  define('responseURL', { value: url });
  define('getAllResponseHeaders', {
    value: () => headers.map(([name, value]) => `${name}: ${value}\r\n`).join(''),
  });
  define('getResponseHeader', {
    value: (name: string) => headers.find(([key]) => key === String(name).toLowerCase())?.[1] ?? null,
  });
  const done = responseAs(type, text, headers);
  define('response', {
    get: () => (type === '' || type === 'text' ? (state >= 3 ? text : '') : state === 4 ? done : null),
  });
  define('responseText', { get: textOnly(type, () => (state >= 3 ? text : '')) });
  /** False once the page opened or aborted the request from a handler: the rest is not its. */
  const ours = () => Object.getOwnPropertyDescriptor(request, 'readyState')?.get === readyState;
  const progress = (name: string) =>
    request.dispatchEvent(new ProgressEvent(name, { lengthComputable: true, loaded: size, total: size }));
  request.dispatchEvent(new Event('readystatechange'));
  if (!ours()) return;
  // No body at all (204, 205, 304, or a HEAD): straight to DONE, as Chromium does, with no length
  // to show, but for a HEAD's: its content-length, none of it loaded.
  if (body === null || head) {
    state = 4;
    request.dispatchEvent(new Event('readystatechange'));
    const length =
      body === null ? {} : { lengthComputable: true, total: new TextEncoder().encode(body).byteLength };
    for (const name of ['load', 'loadend'])
      if (ours()) request.dispatchEvent(new ProgressEvent(name, length));
    return;
  }
  state = 3;
  request.dispatchEvent(new Event('readystatechange'));
  if (!ours()) return;
  progress('progress');
  if (!ours()) return;
  state = 4;
  request.dispatchEvent(new Event('readystatechange'));
  if (!ours()) return;
  progress('load');
  if (!ours()) return;
  progress('loadend');
}

/** The body as `xhr.response` is for the page's responseType: text, parsed JSON or null, bytes, a blob. */
function responseAs(type: XMLHttpRequestResponseType, text: string, headers: [string, string][]): unknown {
  if (type === '' || type === 'text') return text;
  if (type === 'arraybuffer') return new TextEncoder().encode(text).buffer;
  if (type === 'blob') {
    // Chromium types the blob with the MIME type's essence (text/plain, not its parameters);
    // with no content-type, the XHR standard's default, text/xml.
    const contentType = headers.find(([name]) => name === 'content-type')?.[1] ?? 'text/xml';
    return new Blob([text], { type: (contentType.split(';')[0] ?? '').trim().toLowerCase() });
  }
  if (type === 'json') {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return null;
    }
  }
  return null;
}

/** responseText, which throws for any responseType but text, as the browser's does. */
const textOnly = (type: XMLHttpRequestResponseType, text: () => string) => () => {
  if (type === '' || type === 'text') return text();
  throw new DOMException(
    `Failed to read the 'responseText' property from 'XMLHttpRequest': The value is only accessible if the object's 'responseType' is '' or 'text' (was '${type}').`,
    'InvalidStateError',
  );
};

/**
 * The size of the body send() uploads, undefined when there is none (none given, or a GET or HEAD,
 * which sends none). A FormData or Document is counted as its text would be, near enough.
 */
export function uploadSize(method: string | undefined, body: unknown): number | undefined {
  if (body === null || body === undefined || method === 'GET' || method === 'HEAD') return undefined;
  if (body instanceof Blob) return body.size;
  if (body instanceof ArrayBuffer || ArrayBuffer.isView(body)) return body.byteLength;
  if (typeof body === 'string' || body instanceof URLSearchParams)
    return new TextEncoder().encode(String(body)).byteLength;
  return 0;
}
