import type { Dispatcher } from 'undici';

/**
 * Where `withRawHeaders` leaves the header lines of the answer, as the server wrote them, and how
 * many redirects were followed to reach it.
 */
export interface RawHeadersSeen {
  raw?: Buffer[] | undefined;
  redirects?: number;
}

/**
 * `dispatcher`, noting the raw header lines (name, value, name, value...) of the answer that
 * reaches the caller: undici's `request` hands back lower-cased names only, while chaoslib's
 * `dict(r.headers)` keeps the server's. Composed outside the redirect interceptor, so it sees the
 * final answer only; undici hands its raw lines to the handlers on the controller.
 */
export function withRawHeaders(dispatcher: Dispatcher, seen: RawHeadersSeen): Dispatcher {
  return dispatcher.compose(
    (dispatch) => (options, handler) =>
      dispatch(options, {
        onRequestStart(controller, context) {
          // The redirect interceptor hands each hop the URLs that redirected before it.
          seen.redirects = (context as { history?: unknown[] }).history?.length ?? 0;
          handler.onRequestStart?.(controller, context);
        },
        onRequestUpgrade: (controller, statusCode, headers, socket) =>
          handler.onRequestUpgrade?.(controller, statusCode, headers, socket),
        onResponseStart(controller, statusCode, headers, statusMessage) {
          seen.raw = (controller as { rawHeaders?: Buffer[] }).rawHeaders;
          return handler.onResponseStart?.(controller, statusCode, headers, statusMessage);
        },
        onResponseData: (controller, chunk) => handler.onResponseData?.(controller, chunk),
        onResponseEnd: (controller, trailers) => handler.onResponseEnd?.(controller, trailers),
        onResponseError: (controller, error) => handler.onResponseError?.(controller, error),
      }),
  );
}

/**
 * The headers as chaoslib's http provider returns them (`dict(**r.headers)`): each name as the
 * server first wrote it, in the server's order, the values of a repeated name joined by ", "
 * (urllib3's HTTPHeaderDict), read as Latin-1 as http.client reads them. Without raw lines (an
 * answer undici did not hand them for), undici's lower-cased names in its order.
 */
export function requestsHeaders(
  raw: Buffer[] | undefined,
  parsed: Record<string, string | string[] | undefined>,
): Record<string, string> {
  const byName = new Map<string, { name: string; values: string[] }>();
  if (raw) {
    for (let at = 0; at + 1 < raw.length; at += 2) {
      const name = raw[at]!.toString('latin1');
      const value = raw[at + 1]!.toString('latin1');
      const held = byName.get(name.toLowerCase());
      if (held) held.values.push(value);
      else byName.set(name.toLowerCase(), { name, values: [value] });
    }
  } else {
    for (const [name, value] of Object.entries(parsed)) {
      if (value !== undefined) byName.set(name, { name, values: Array.isArray(value) ? value : [value] });
    }
  }
  return Object.fromEntries([...byName.values()].map(({ name, values }) => [name, values.join(', ')]));
}

/** The value of header `name` in any letter case, as requests' `r.headers.get(name)` reads it. */
export function headerValue(headers: Record<string, string>, name: string): string | undefined {
  const wanted = name.toLowerCase();
  const found = Object.keys(headers).find((given) => given.toLowerCase() === wanted);
  return found === undefined ? undefined : headers[found];
}
