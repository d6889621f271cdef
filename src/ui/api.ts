/** What the server said was wrong: Toxiproxy's `error` plus faultline's `hint` and `code`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly hint: string | undefined,
    readonly code: string | undefined,
  ) {
    super(hint === undefined ? error : `${error}: ${hint}`);
  }
}

let csrf = document.querySelector<HTMLMetaElement>('meta[name="faultline-csrf"]')?.content ?? '';

/** The API's root: the page is served at <root>/ui/, so a path prefix such as /t/TOKEN/ is kept. */
export const apiRoot = new URL('../', document.baseURI);

/** The headers that mark a request as this dashboard's (see src/server/ui-session.ts). */
export function sessionHeaders(): Record<string, string> {
  return { 'X-Faultline-CSRF': csrf };
}

export function apiUrl(path: string): string {
  return new URL(path.replace(/^\//, ''), apiRoot).href;
}

let renewing: Promise<boolean> | undefined;

/**
 * Starts a new session as a reload would, without one: GET the page itself (same origin, so the
 * browser stores the new cookie and this script may read the new token; no other origin can),
 * and take the token from its meta tag. Concurrent callers share one renewal.
 */
export function renewSession(): Promise<boolean> {
  renewing ??= (async () => {
    try {
      const response = await fetch(new URL('ui/', apiRoot).href, {
        credentials: 'same-origin',
        cache: 'no-store',
      });
      if (!response.ok) return false;
      const page = new DOMParser().parseFromString(await response.text(), 'text/html');
      const token = page.querySelector<HTMLMetaElement>('meta[name="faultline-csrf"]')?.content;
      if (!token) return false;
      csrf = token;
      return true;
    } catch {
      return false;
    } finally {
      renewing = undefined;
    }
  })();
  return renewing;
}

/** The server no longer knows this page's session (it restarted, or the session is over 12 h old). */
export function isSessionRefusal(status: number, code: string | undefined): boolean {
  return status === 403 && code === 'FAULTLINE_ERR_DASHBOARD_SESSION';
}

/**
 * Calls the control API as the dashboard; throws ApiError with the server's words on failure.
 * A refused session is renewed and the request sent once more.
 */
export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    const init: RequestInit = { method, headers: sessionHeaders(), credentials: 'same-origin' };
    if (body !== undefined) {
      init.body = JSON.stringify(body);
      (init.headers as Record<string, string>)['Content-Type'] = 'application/json';
    }
    const response = await fetch(apiUrl(path), init);
    const text = await response.text();
    if (response.ok) return (text === '' ? undefined : JSON.parse(text)) as T;
    const error = errorFrom(response.status, text);
    if (attempt === 0 && isSessionRefusal(error.status, error.code) && (await renewSession())) {
      onSessionRenewed?.();
      continue;
    }
    throw error;
  }
}

let onSessionRenewed: (() => void) | undefined;

/** Called after a renewal: the server may have restarted, so what the page shows may be stale. */
export function whenSessionRenewed(listener: () => void): void {
  onSessionRenewed = listener;
}

/** Whether the server has a route at all (halt, runs and ledger may be missing on older servers). */
export function isMissingRoute(error: unknown): boolean {
  return (
    error instanceof ApiError && (error.status === 404 || error.status === 405) && error.code === undefined
  );
}

function errorFrom(status: number, text: string): ApiError {
  try {
    const body = JSON.parse(text) as { error?: unknown; hint?: unknown; code?: unknown };
    if (typeof body.error === 'string') {
      return new ApiError(
        status,
        body.error,
        typeof body.hint === 'string' ? body.hint : undefined,
        typeof body.code === 'string' ? body.code : undefined,
      );
    }
  } catch {
    // Not JSON: Toxiproxy's plain answers, such as "404 page not found".
  }
  return new ApiError(status, text.trim() || `HTTP ${status}`, undefined, undefined);
}
