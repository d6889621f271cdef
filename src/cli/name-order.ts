/**
 * The order toxiproxy-cli lists proxies in: Go's sort.Strings, byte order (capitals, then "_",
 * then lower case), the same on every machine. localeCompare would fold case and follow the
 * locale. Proxy names are ASCII, where UTF-16 code units and bytes agree.
 */
export function byName(a: { name: string }, b: { name: string }): number {
  if (a.name === b.name) return 0;
  return a.name < b.name ? -1 : 1;
}
