/**
 * The path Toxiproxy's router (gorilla/mux, which cleans paths by default) redirects a request to
 * with 301 before it routes: `//proxies` to `/proxies`, `/proxies/./a` to `/proxies/a`,
 * `/a/../version` to `/version`. A trailing slash stays: `/proxies/` is clean (and no route).
 */
export function cleanPath(path: string): string {
  if (path === '') return '/';
  const rooted = path.startsWith('/') ? path : `/${path}`;
  const segments: string[] = [];
  for (const segment of rooted.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  const cleaned = `/${segments.join('/')}`;
  return rooted.endsWith('/') && cleaned !== '/' ? `${cleaned}/` : cleaned;
}
