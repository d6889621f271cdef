// dns.promises is read at the first lookup: a server whose proxies listen on addresses never loads it.
import dns from 'node:dns';
import net from 'node:net';
import { formatHostPort, parseHostPort } from '../model/address.js';
import { FaultlineError } from '../model/errors.js';
import { checkListen, type ListenRule } from './listen-policy.js';

/** Bursts of connections (a connection pool warming up) must not overflow the accept queue. */
const ACCEPT_BACKLOG = 4096;

/** Resolves "host:port" to the address a listener would bind, IPv4 first as Go does for localhost. */
export async function resolveListen(listen: string): Promise<{ host: string; port: number }> {
  const { host, port } = parseHostPort(listen, 'listen');
  if (host === '' || net.isIP(host) !== 0) return { host, port };
  try {
    const { address } = await dns.promises.lookup(host, { order: 'ipv4first' });
    return { host: address, port };
  } catch (error) {
    throw new FaultlineError('FAULTLINE_ERR_INVALID_LISTEN', `listen tcp: lookup ${host}: no such host`, {
      cause: error,
      hint: `listen address ${JSON.stringify(listen)} cannot be resolved (${(error as Error).message}); use an IP address such as 127.0.0.1`,
    });
  }
}

/** The listen host as given and, when it is a name, the address it resolves to and binds. */
export async function listenHosts(listen: string): Promise<string[]> {
  const given = parseHostPort(listen, 'listen').host;
  const { host } = await resolveListen(listen);
  return host === given ? [given] : [given, host];
}

/** The resolved form shown in the API, e.g. "127.0.0.1:3310" for "localhost:3310". */
export async function canonicalListen(listen: string): Promise<string> {
  return formatHostPort(await resolveListen(listen));
}

export async function bindListener(
  listen: string,
  onConnection: (socket: net.Socket) => void,
  allow?: readonly ListenRule[],
): Promise<{ server: net.Server; address: string }> {
  const { host, port } = await resolveListen(listen);
  checkListen(allow, host, port);
  // No `noDelay` here: adoptAccepted sets it on the socket the proxy keeps, once.
  const server = net.createServer({ pauseOnConnect: true, allowHalfOpen: true }, onConnection);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, backlog: ACCEPT_BACKLOG, ...(host === '' ? {} : { host }) }, () => {
      server.off('error', reject);
      resolve();
    });
  }).catch((error: NodeJS.ErrnoException) => {
    throw listenError(host, port, error);
  });
  const bound = server.address() as net.AddressInfo;
  return { server, address: formatHostPort({ host: bound.address, port: bound.port }) };
}

/** Go's net.Listen wording, which Toxiproxy sends as its 500 error text; the hint says what to do. */
function listenError(host: string, port: number, error: NodeJS.ErrnoException): FaultlineError {
  const where = `listen tcp ${formatHostPort({ host, port })}`;
  const cause = { cause: error };
  switch (error.code) {
    case 'EADDRINUSE':
      return new FaultlineError('FAULTLINE_ERR_ADDRESS_IN_USE', `${where}: bind: address already in use`, {
        ...cause,
        hint: 'something else holds this port: stop it or pick another port (port 0 picks a free one)',
      });
    case 'EADDRNOTAVAIL':
      return new FaultlineError(
        'FAULTLINE_ERR_ADDRESS_UNAVAILABLE',
        `${where}: bind: cannot assign requested address`,
        {
          ...cause,
          hint: 'that address is not on this machine; use 127.0.0.1 or an address of a local interface',
        },
      );
    case 'EACCES':
      return new FaultlineError('FAULTLINE_ERR_PERMISSION', `${where}: bind: permission denied`, {
        ...cause,
        hint: 'ports below 1024 need root; pick a port from 1024 up',
      });
    default:
      return new FaultlineError('FAULTLINE_ERR_INTERNAL', `${where}: ${error.message}`, cause);
  }
}
