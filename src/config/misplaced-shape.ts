/**
 * What a top-level object that is not `{ proxies: [...] }` most likely is: GET /proxies's answer
 * (proxies keyed by their name) or a single proxy, each told apart so the error can say what to do.
 */
export function misplacedShape(value: Record<string, unknown>): string | undefined {
  const entries = Object.entries(value);
  const keyedByName =
    entries.length > 0 &&
    entries.every(
      ([key, proxy]) =>
        typeof proxy === 'object' && proxy !== null && (proxy as Record<string, unknown>).name === key,
    );
  if (keyedByName) {
    return `this is GET /proxies's answer, proxies keyed by name; a config file lists them: save it with "faultline export", or turn it into a list (jq '[.[]]')`;
  }
  if (typeof value.name === 'string' && typeof value.upstream === 'string') {
    return 'this is one proxy; a config file is a list of proxies: put it in [ ], or under "proxies:"';
  }
  return undefined;
}
