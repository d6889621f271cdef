// dns.promises is read at the first lookup, so a server that resolves no name never loads it.
import dns from 'node:dns';

/** An address for a host name, as node:dns's lookup gives it (family 4 or 6). */
export type HostLookup = (name: string) => Promise<{ address: string; family: number }>;

/** The system resolver (getaddrinfo: /etc/hosts, then DNS), IPv4 first. */
export const systemLookup: HostLookup = (name) => dns.promises.lookup(name, { order: 'ipv4first' });
