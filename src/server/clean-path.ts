import { posix } from 'node:path';

/**
 * The path Toxiproxy's router (gorilla/mux, which cleans paths by default) redirects a request to
 * with 301 before it routes: `//proxies` to `/proxies`, `/proxies/./a` to `/proxies/a`,
 * `/a/../version` to `/version`. A trailing slash stays: `/proxies/` is clean (and no route).
 * POSIX normalisation of a rooted path is Go's path.Clean with mux's trailing slash kept.
 */
export function cleanPath(path: string): string {
  return posix.normalize(path.startsWith('/') ? path : `/${path}`);
}
