import dgram from 'node:dgram';
import type dns from 'node:dns';
import net from 'node:net';
import { formatHostPort } from '../../model/address.js';
import { FaultlineError } from '../../model/errors.js';
import { checkListen, type ListenRule } from '../listen-policy.js';
import { resolveListen } from '../listener.js';
import { RECEIVE_BUFFER_BYTES } from './flow.js';

/** Binds a UDP socket for a proxy's listen address, with the same checks and wording as tcp listeners. */
export async function bindDatagramListener(
  listen: string,
  allow: readonly ListenRule[] | undefined,
): Promise<{ socket: dgram.Socket; address: string }> {
  const { host, port } = await resolveListen(listen);
  checkListen(allow, host, port);
  const socket = dgram.createSocket({
    type: net.isIPv6(host) ? 'udp6' : 'udp4',
    recvBufferSize: RECEIVE_BUFFER_BYTES,
    lookup: literalFirstLookup,
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind({ port, ...(host === '' ? {} : { address: host }) }, () => {
      socket.off('error', reject);
      resolve();
    });
  }).catch((error: NodeJS.ErrnoException) => {
    socket.close();
    throw bindError(host, port, error);
  });
  const bound = socket.address();
  return { socket, address: formatHostPort({ host: bound.address, port: bound.port }) };
}

/**
 * The listener sends every reply to a client address node reported as an IP literal. node's
 * default lookup answers a literal on the next tick, one deferred call per reply; this answers at
 * once, so the reply leaves within the call that sends it. A name still goes to `dns.lookup`.
 */
export function literalFirstLookup(
  address: string,
  // node's dgram passes the socket's family as a number, which its types do not say.
  family: dns.LookupOneOptions | number,
  callback: (error: NodeJS.ErrnoException | null, address: string, family: number) => void,
): void {
  const literal = net.isIP(address);
  if (literal !== 0) callback(null, address, literal);
  // node:dns loads only when a name is sent to, which a listener (bound to a literal) never does.
  else
    void import('node:dns').then(({ lookup }) =>
      lookup(address, typeof family === 'number' ? { family } : family, callback),
    );
}

function bindError(host: string, port: number, error: NodeJS.ErrnoException): FaultlineError {
  const where = `listen udp ${formatHostPort({ host, port })}`;
  switch (error.code) {
    case 'EADDRINUSE':
      return new FaultlineError('FAULTLINE_ERR_ADDRESS_IN_USE', `${where}: bind: address already in use`, {
        cause: error,
        hint: 'something else holds this UDP port: stop it or pick another port (port 0 picks a free one)',
      });
    case 'EADDRNOTAVAIL':
      return new FaultlineError(
        'FAULTLINE_ERR_ADDRESS_UNAVAILABLE',
        `${where}: bind: cannot assign requested address`,
        {
          cause: error,
          hint: 'that address is not on this machine; use 127.0.0.1 or an address of a local interface',
        },
      );
    case 'EACCES':
      return new FaultlineError('FAULTLINE_ERR_PERMISSION', `${where}: bind: permission denied`, {
        cause: error,
        hint: 'ports below 1024 need root; pick a port from 1024 up',
      });
    default:
      return new FaultlineError('FAULTLINE_ERR_INTERNAL', `${where}: ${error.message}`, { cause: error });
  }
}
