/**
 * What an upstream socket's error means for a flow, in words: the kernel reports an ICMP error
 * for a datagram sent earlier on the next receive (`recvmsg ECONNREFUSED`), which says neither
 * what happened nor that the flow goes on.
 */
export function datagramFailure(error: NodeJS.ErrnoException, upstream: string): string {
  const code = error.code ?? error.message;
  const goesOn = 'the flow keeps sending, as UDP does';
  switch (code) {
    case 'ECONNREFUSED':
      return `nothing listens on UDP ${upstream}: its host answered with ICMP port unreachable (ECONNREFUSED); ${goesOn}`;
    case 'EHOSTUNREACH':
    case 'EHOSTDOWN':
      return `the host of ${upstream} cannot be reached: ICMP host unreachable (${code}); ${goesOn}`;
    case 'ENETUNREACH':
      return `there is no route to ${upstream}: ICMP network unreachable (${code}); ${goesOn}`;
    case 'EMSGSIZE':
      return `a datagram was too large for the path to ${upstream} (EMSGSIZE) and was not sent; ${goesOn}`;
    case 'EACCES':
    case 'EPERM':
      return `this host refused to send to ${upstream} (${code}: a firewall rule, or a broadcast address); ${goesOn}`;
    default:
      return `the upstream socket for ${upstream} failed: ${error.message}; ${goesOn}`;
  }
}
