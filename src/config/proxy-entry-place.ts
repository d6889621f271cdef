/**
 * An entry of a config file's list of proxies, as its errors name it: `proxy 2 ("redis")`, with its
 * name when it has one (in any case of the key, as Go decodes it), so a long file's error says
 * which proxy. Not for /populate, whose `error` is Toxiproxy's own text (`… at proxy 2`).
 */
export function proxyEntryPlace(entry: unknown, index: number): string {
  const place = `proxy ${index + 1}`;
  if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) return place;
  const key = Object.keys(entry).find((candidate) => candidate.toLowerCase() === 'name');
  const name = key === undefined ? undefined : (entry as Record<string, unknown>)[key];
  return typeof name === 'string' && name !== '' ? `${place} (${JSON.stringify(name)})` : place;
}
