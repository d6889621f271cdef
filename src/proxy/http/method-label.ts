/** The methods of RFC 9110 and PATCH (RFC 5789): what a metric's `method` label keeps as sent. */
const standardMethods = new Set([
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'DELETE',
  'CONNECT',
  'OPTIONS',
  'TRACE',
  'PATCH',
]);

/**
 * A request method as a metric label. Clients choose methods freely (an h2 `:method` is any
 * token), and each label value is a series kept for the life of the server, so a method outside
 * the standard ones counts under `other`, as Envoy's and Prometheus' HTTP metrics fold them.
 */
export function methodLabel(method: string): string {
  return standardMethods.has(method) ? method : 'other';
}
