import type { Server } from 'node:http';
import { FaultlineError } from '../model/errors.js';

/** How the errors below name the settings that chose the address: flags, or a function's options. */
export interface AddressSettingNames {
  host: string;
  port: string;
  /** What may hold the port already, asked in the in-use error (faultline's server by default). */
  holder?: string;
}

const cliFlags: AddressSettingNames = { host: '--host', port: '--port' };
const serverHolder = 'another faultline or toxiproxy-server';

/**
 * Binds a server the CLI (or startServer) runs: the control API, the browser proxy. Errors a user
 * can fix by choosing another host or port say so, naming the setting as `names` spells it.
 */
export function listenControl(
  server: Server,
  host: string,
  port: number,
  names: AddressSettingNames = cliFlags,
): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => reject(listenError(error, host, port, names)));
    server.listen(port, host, () => {
      const address = server.address();
      const bound = typeof address === 'object' && address ? address.port : port;
      resolve(`http://${host.includes(':') ? `[${host}]` : host}:${bound}`);
    });
  });
}

function listenError(
  error: NodeJS.ErrnoException,
  host: string,
  port: number,
  names: AddressSettingNames,
): Error {
  const where = `cannot listen on ${host}:${port}`;
  switch (error.code) {
    case 'EADDRINUSE':
      return new FaultlineError(
        'FAULTLINE_ERR_ADDRESS_IN_USE',
        `${where}: address already in use (is ${names.holder ?? serverHolder} running?); pass ${names.port} with a free port`,
      );
    case 'EADDRNOTAVAIL':
      return new FaultlineError(
        'FAULTLINE_ERR_ADDRESS_UNAVAILABLE',
        `${where}: ${host} is not an address of this machine; pass ${names.host} with one of its addresses, or 0.0.0.0 for all of them`,
      );
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new FaultlineError(
        'FAULTLINE_ERR_INVALID_ADDRESS',
        `${where}: the host name ${host} does not resolve; pass ${names.host} with an IP address or a name this machine resolves`,
      );
    case 'EACCES':
      return new FaultlineError(
        'FAULTLINE_ERR_PERMISSION',
        `${where}: permission denied (ports below 1024 need root or CAP_NET_BIND_SERVICE); pass ${names.port} 1024 or above`,
      );
    default:
      return error;
  }
}
