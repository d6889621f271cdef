/**
 * A status fault's answer to fetch, as the page sees a real server's answer in Chromium: the
 * reason phrase as `statusText`, the answer's headers, the URL asked for, and the type the
 * browser gives it by origin and mode (compared with a real answer in
 * test/browser-fetch-status-answer.test.ts). `new Response()` alone reads as one the page made:
 * type 'default', no URL, no statusText, content-type only.
 */
import { reasonPhrase } from '../model/reason-phrase.js';
import { answerHeaders, readableAcrossOrigins } from './xhr-answer.js';

/**
 * What the fault answers: its status, its body (null for a 204, 205 or 304, which the page reads
 * as an empty stream), the URL asked for.
 */
export interface FetchAnswer {
  status: number;
  body: string | null;
  url: string;
  /** The request's mode: a 'no-cors' fetch to another origin gets an opaque answer. */
  mode: RequestMode;
  /**
   * The request's redirect mode: with 'manual', a redirect status gets an opaque-redirect answer.
   * ('error' rejects only a redirect with a Location, and a fault's answer has none.)
   */
  redirect?: RequestRedirect;
  /** A HEAD request: the headers say what a GET would get, and the body is empty. */
  head?: boolean;
}

/** The answer fetch resolves with. */
export function fetchAnswer({
  status,
  body,
  url,
  mode,
  redirect = 'follow',
  head = false,
}: FetchAnswer): Response {
  if (redirect === 'manual' && redirectStatuses.includes(status)) return opaque(url, 'opaqueredirect');
  const crossOrigin = new URL(url).origin !== location.origin;
  // The page may read nothing of an answer from another origin to a no-cors request.
  if (crossOrigin && mode === 'no-cors') return opaque('', 'opaque');
  const headers = answerHeaders(body).filter(([name]) => !crossOrigin || readableAcrossOrigins(name));
  const init = { statusText: reasonPhrase(status), headers };
  const response =
    body === null ? bodyless(status, init) : new Response(head ? '' : body, { status, ...init });
  return dressed(response, { url, type: crossOrigin ? 'cors' : 'basic' });
}

/**
 * An answer with a status that carries no body (204, 205, 304), as Chromium gives a real one: an
 * empty byte stream as its body, not null (`new Response()` refuses any body with these
 * statuses, so it is made with 200 and given the status after).
 */
function bodyless(status: number, init: ResponseInit): Response {
  const response = new Response(new Uint8Array(0), { ...init, status: 200 });
  Object.defineProperty(response, 'status', { value: status });
  Object.defineProperty(response, 'ok', { value: status >= 200 && status <= 299 });
  return response;
}

/** The statuses fetch treats as a redirect (Fetch standard): not 300, 304 or 305. */
const redirectStatuses = [301, 302, 303, 307, 308];

/**
 * An answer the page may read nothing of: status 0, no statusText, headers or body. An opaque
 * one has no URL either; an opaque redirect keeps the URL asked for.
 */
function opaque(url: string, type: 'opaque' | 'opaqueredirect'): Response {
  const response = new Response(null, { status: 200 });
  Object.defineProperty(response, 'status', { value: 0 });
  Object.defineProperty(response, 'ok', { value: false });
  Object.defineProperty(response, 'statusText', { value: '' });
  return dressed(response, { url, type });
}

/**
 * Gives the response the URL and type of one from the network, its clone() too (a clone of a
 * new Response is one the page made again).
 */
function dressed(response: Response, { url, type }: { url: string; type: ResponseType }): Response {
  const own = (['status', 'ok', 'statusText'] as const).flatMap((key) => {
    const descriptor = Object.getOwnPropertyDescriptor(response, key);
    return descriptor ? [[key, descriptor] as const] : [];
  });
  const clone = response.clone.bind(response);
  Object.defineProperty(response, 'url', { value: url });
  Object.defineProperty(response, 'type', { value: type });
  Object.defineProperty(response, 'clone', {
    value: () => {
      const copy = clone();
      for (const [key, descriptor] of own) Object.defineProperty(copy, key, descriptor);
      return dressed(copy, { url, type });
    },
  });
  return response;
}
