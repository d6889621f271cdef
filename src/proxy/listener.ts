import { lookup } from 'node:dns/promises';
import net from 'node:net';
import { formatHostPort, parseHostPort } from '../model/address.js';
import { FaultlineError } from '../model/errors.js';

/** Bursts of connections (a connection pool warming up) must not overflow the accept queue. */
const ACCEPT_BACKLOG = 4096;

/** Resolves "host:port" to the address a listener would bind, IPv4 first as Go does for localhost. */
export async function resolveListen(listen: string): Promise<{ host: string; port: number }> {
  const { host, port } = parseHostPort(listen, 'listen');
  if (host === '' || net.isIP(host) !== 0) return { host, port };
  try {
    const { address } = await lookup(host, { order: 'ipv4first' });
    return { host: address, port };
  } catch (error) {
    throw new FaultlineError(
      'FAULTLINE_ERR_INVALID_ADDRESS',
      `listen address ${JSON.stringify(listen)} cannot be resolved (${(error as Error).message}); use an IP address such as 127.0.0.1`,
      { cause: error },
    );
  }
}

/** The resolved form shown in the API, e.g. "127.0.0.1:3310" for "localhost:3310". */
export async function canonicalListen(listen: string): Promise<string> {
  return formatHostPort(await resolveListen(listen));
}

export async function bindListener(
  listen: string,
  onConnection: (socket: net.Socket) => void,
): Promise<{ server: net.Server; address: string }> {
  const { host, port } = await resolveListen(listen);
  const server = net.createServer({ pauseOnConnect: true, allowHalfOpen: true, noDelay: true }, onConnection);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, backlog: ACCEPT_BACKLOG, ...(host === '' ? {} : { host }) }, () => {
      server.off('error', reject);
      resolve();
    });
  }).catch((error: NodeJS.ErrnoException) => {
    throw listenError(listen, error);
  });
  const bound = server.address() as net.AddressInfo;
  return { server, address: formatHostPort({ host: bound.address, port: bound.port }) };
}

function listenError(listen: string, error: NodeJS.ErrnoException): FaultlineError {
  const where = `listen ${listen}`;
  switch (error.code) {
    case 'EADDRINUSE':
      return new FaultlineError(
        'FAULTLINE_ERR_ADDRESS_IN_USE',
        `${where}: address already in use; stop what holds the port or pick another (port 0 picks a free one)`,
        { cause: error },
      );
    case 'EADDRNOTAVAIL':
      return new FaultlineError(
        'FAULTLINE_ERR_ADDRESS_UNAVAILABLE',
        `${where}: that address is not on this machine; use 127.0.0.1 or an address of a local interface`,
        { cause: error },
      );
    case 'EACCES':
      return new FaultlineError(
        'FAULTLINE_ERR_PERMISSION',
        `${where}: permission denied; ports below 1024 need root, pick a port from 1024 up`,
        { cause: error },
      );
    default:
      return new FaultlineError('FAULTLINE_ERR_INTERNAL', `${where}: ${error.message}`, { cause: error });
  }
}
