import { isIP } from 'node:net';
import { parseHostPort } from '../../model/address.js';
import { socketErrorWords } from '../socket-error-words.js';

/**
 * What an upstream socket's error means for a flow, in words: the kernel reports an ICMP error
 * for a datagram sent earlier on the next receive (`recvmsg ECONNREFUSED`), which says neither
 * what happened nor that the flow goes on. The event that carries it names the upstream, so the
 * sentence names only the address a host name resolved to (`address`), where it differs.
 */
export function datagramFailure(error: NodeJS.ErrnoException, upstream: string, address: string): string {
  const goesOn = 'the flow keeps sending, as UDP does';
  const host = parseHostPort(upstream, 'upstream').host;
  const at = isIP(host) !== 0 || host === address ? '' : `, at ${address}, where ${host} resolved`;
  const words = socketErrorWords(error.code);
  if (words === undefined)
    return `the flow's socket to the upstream failed (${error.message}${at}); ${goesOn}`;
  const icmp = words.icmp === undefined ? '' : `ICMP ${words.icmp}, `;
  const todo = words.todo === undefined ? '' : `; ${words.todo}`;
  return `${words.happened} (${icmp}${error.code}${at}); ${goesOn}${todo}`;
}
