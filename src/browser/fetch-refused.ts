/**
 * The fetches Chromium rejects before any request goes out: a RequestInit the Request
 * constructor refuses (mode 'navigate', a body on a GET, a URL it cannot parse, a Request whose
 * body was read), a 'same-origin'
 * request to another origin, a 'no-cors' one there that does not follow redirects. A fault has nothing to
 * act on there: the page's fetch gets the browser's own TypeError, and no fault is chosen or reported
 * (compared with the same page's fetch with faults off in test/browser-fetch-modes.test.ts).
 */

/** Whether the browser rejects this fetch before sending anything. */
export function refusedBeforeSending(input: RequestInfo | URL, init: RequestInit | undefined): boolean {
  // A Request whose body the page has read cannot be sent again.
  if (input instanceof Request && input.bodyUsed) return true;
  let request: Request;
  try {
    request =
      input instanceof Request && init === undefined
        ? input
        : new Request(urlOf(input), checkable(input, init));
  } catch {
    return true;
  }
  const url = new URL(request.url);
  const crossOrigin = url.origin !== location.origin && url.protocol !== 'data:';
  if (request.mode === 'same-origin' && crossOrigin) return true;
  // To its own origin, a no-cors request is fetched as any other, redirect mode and all.
  return request.mode === 'no-cors' && request.redirect !== 'follow' && crossOrigin;
}

/** The URL asked for, resolved against the page as fetch resolves it. */
function urlOf(input: RequestInfo | URL): string {
  return input instanceof Request ? input.url : String(input);
}

/**
 * The request's settings with the page's own init over them, for a Request built only to be
 * checked: a stream body is stood in for by an empty one, as building a Request with the page's
 * would lock it for the real fetch.
 */
function checkable(input: RequestInfo | URL, init: RequestInit | undefined): RequestInit {
  const base: RequestInit =
    input instanceof Request ? { method: input.method, mode: input.mode, redirect: input.redirect } : {};
  const merged: RequestInit = { ...base, ...init };
  if (merged.body instanceof ReadableStream) merged.body = new ReadableStream();
  return merged;
}
