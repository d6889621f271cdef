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

const csrf = document.querySelector<HTMLMetaElement>('meta[name="faultline-csrf"]')?.content ?? '';

/** The API's root: the page is served at <root>/ui/, so a path prefix such as /t/TOKEN/ is kept. */
export const apiRoot = new URL('../', document.baseURI);

/** The headers that mark a request as this dashboard's (see src/server/ui-session.ts). */
export const sessionHeaders: Record<string, string> = { 'X-Faultline-CSRF': csrf };

export function apiUrl(path: string): string {
  return new URL(path.replace(/^\//, ''), apiRoot).href;
}

/** Calls the control API as the dashboard; throws ApiError with the server's words on failure. */
export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const init: RequestInit = { method, headers: { ...sessionHeaders }, credentials: 'same-origin' };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    (init.headers as Record<string, string>)['Content-Type'] = 'application/json';
  }
  const response = await fetch(apiUrl(path), init);
  const text = await response.text();
  if (!response.ok) throw errorFrom(response.status, text);
  return (text === '' ? undefined : JSON.parse(text)) as T;
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
