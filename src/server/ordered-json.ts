/**
 * The JSON text of an object whose keys keep the order they are given in. JSON.stringify of a
 * JavaScript object puts keys that look like array indexes ("9", "10") first, in numeric order,
 * whatever order they were added in; Toxiproxy's answers keyed by name come from Go's
 * json.Marshal of a map, which sorts every key by its bytes ("10" before "9" before "Beta").
 */
export function orderedObjectJson(entries: Iterable<readonly [string, unknown]>): string {
  const members: string[] = [];
  for (const [key, value] of entries) members.push(`${JSON.stringify(key)}:${JSON.stringify(value)}`);
  return `{${members.join(',')}}`;
}
