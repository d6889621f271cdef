/**
 * Why a tcp proxy could not reach its upstream, in words a user can act on: node's message
 * (`connect ECONNREFUSED 127.0.0.1:9`) names the error, not what it means or what to do.
 */
export function connectFailure(error: NodeJS.ErrnoException, proxy: string, upstream: string): string {
  const moveIt = `or point the proxy at the right one (POST /proxies/${proxy} {"upstream": "HOST:PORT"})`;
  switch (error.code) {
    case 'ECONNREFUSED':
      return `${error.message}: nothing listens on ${upstream}; start the upstream, ${moveIt}`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'ENODATA':
      return `${error.message}: the upstream's host name does not resolve here; check its spelling and this host's DNS, ${moveIt}`;
    case 'ETIMEDOUT':
      return `${error.message}: the upstream did not answer the connect in time; check that it runs and that no firewall drops packets to it`;
    case 'EHOSTUNREACH':
    case 'EHOSTDOWN':
    case 'ENETUNREACH':
      return `${error.message}: there is no route to the upstream's host from here; check its address and this host's network`;
    case 'EADDRNOTAVAIL':
      return `${error.message}: this host has no local address or port left to connect from (or the upstream's address is not one it can reach)`;
    case 'ECONNRESET':
      return `${error.message}: the upstream reset the connection as it opened; check what listens on ${upstream}`;
    default:
      return error.message;
  }
}
