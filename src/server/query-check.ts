import { FaultlineError } from '../model/errors.js';
import type { Route } from './route.js';

/**
 * A query parameter the route does not take is refused, not ignored: `?explian` would otherwise
 * look like it worked. Toxiproxy's clients (toxiproxy-go, toxiproxy-cli, the Ruby and Python
 * ones) send none, so they are not affected. The dashboard's pages are for browsers and exempt.
 */
export function checkQuery(route: Route, url: string | undefined): void {
  if (route.page || route.query === 'any') return;
  const mark = url?.indexOf('?') ?? -1;
  if (url === undefined || mark === -1) return;
  const accepted = route.query ?? [];
  for (const key of new URLSearchParams(url.slice(mark + 1)).keys()) {
    if (accepted.includes(key)) continue;
    throw new FaultlineError(
      'FAULTLINE_ERR_INVALID_FIELD',
      `unknown query parameter ${JSON.stringify(key)}`,
      {
        hint:
          accepted.length > 0
            ? `${route.method} ${route.path} takes ${accepted.join(', ')}`
            : `${route.method} ${route.path} takes no query parameters`,
      },
    );
  }
}
