import net from 'node:net';
import { parseHostPort } from '../../model/address.js';
import type { HostLookup } from '../../net/host-lookup.js';
import type { UdpEndpoint } from './flow.js';
import { lookupFailure } from './lookup-failure.js';

const PORT_ZERO =
  'its port is 0, which no datagram can be sent to: datagrams are dropped; give the port the upstream listens on (PATCH the proxy with {"upstream": "HOST:PORT"})';

/**
 * A udp proxy's upstream as an address to send to; a name is looked up with `lookupHost`. An
 * upstream no datagram can reach (a name that does not resolve, port 0) is an Error saying why.
 */
export async function resolveUpstream(
  upstream: string,
  lookupHost: HostLookup,
): Promise<UdpEndpoint | Error> {
  const { host, port } = parseHostPort(upstream, 'upstream');
  // node throws when a socket connects or sends to port 0, which stopped the server.
  if (port === 0) return new Error(PORT_ZERO);
  const name = host || 'localhost';
  if (net.isIP(name) !== 0) return { address: name, port, family: net.isIPv6(name) ? 'udp6' : 'udp4' };
  try {
    const { address, family } = await lookupHost(name);
    return { address, port, family: family === 6 ? 'udp6' : 'udp4' };
  } catch (error) {
    return new Error(lookupFailure(error as Error));
  }
}

/**
 * The warning a udp proxy's create or upstream change is answered with when `resolveUpstream`
 * gave `problem`; `apply --dry-run` says the same.
 */
export function unreachableUpstreamWarning(proxy: string, upstream: string, problem: Error): string {
  return `proxy ${JSON.stringify(proxy)}: upstream ${upstream}: ${problem.message}`;
}
