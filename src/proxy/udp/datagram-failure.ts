import { isIP } from 'node:net';
import { parseHostPort } from '../../model/address.js';

/**
 * What an upstream socket's error means for a flow, in words: the kernel reports an ICMP error
 * for a datagram sent earlier on the next receive (`recvmsg ECONNREFUSED`), which says neither
 * what happened nor that the flow goes on. The event that carries it names the upstream, so the
 * sentence names only the address a host name resolved to (`address`), where it differs.
 */
export function datagramFailure(error: NodeJS.ErrnoException, upstream: string, address: string): string {
  const code = error.code ?? error.message;
  const goesOn = 'the flow keeps sending, as UDP does';
  const host = parseHostPort(upstream, 'upstream').host;
  const at = isIP(host) !== 0 || host === address ? '' : ` at ${address}, where ${host} resolved`;
  switch (code) {
    case 'ECONNREFUSED':
      return `nothing listens on its UDP port${at}: the host answered with ICMP port unreachable (ECONNREFUSED); ${goesOn}`;
    case 'EHOSTUNREACH':
    case 'EHOSTDOWN':
      return `its host${at} cannot be reached: ICMP host unreachable (${code}); ${goesOn}`;
    case 'ENETUNREACH':
      return `there is no route to its host${at}: ICMP network unreachable (${code}); ${goesOn}`;
    case 'EMSGSIZE':
      return `a datagram was too large for the path to it${at} (EMSGSIZE) and was not sent; ${goesOn}`;
    case 'EACCES':
    case 'EPERM':
      return `this host refused to send to it${at} (${code}: a firewall rule, or a broadcast address); ${goesOn}`;
    default:
      return `the flow's socket to it${at} failed: ${error.message}; ${goesOn}`;
  }
}
