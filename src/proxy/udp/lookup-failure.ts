/**
 * What a failed lookup of a udp proxy's upstream name says. The event and the warning that carry
 * it name the upstream already, so the sentence does not: it says what failed and what to do.
 */
export function lookupFailure(error: Error & { code?: unknown }): string {
  const code = typeof error.code === 'string' ? error.code : undefined;
  const failed =
    code === 'ENOTFOUND' || code === 'ENODATA'
      ? `its host name does not resolve (getaddrinfo ${code})`
      : `looking up its host name failed (${code === undefined ? error.message : `getaddrinfo ${code}`})`;
  return `${failed}: datagrams are dropped until it resolves, looked up again when a new client sends (at most once a second); check the name (DNS, /etc/hosts) or give an IP address`;
}
