import type { Server } from 'node:http';
import { FaultlineError } from '../model/errors.js';

/**
 * Binds a server the CLI runs (the control API, the browser proxy). Errors a user can fix by
 * choosing another --host or --port say so; `flag` names the flag that chose the address.
 */
export function listenControl(server: Server, host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => reject(listenError(error, host, port)));
    server.listen(port, host, () => {
      const address = server.address();
      const bound = typeof address === 'object' && address ? address.port : port;
      resolve(`http://${host.includes(':') ? `[${host}]` : host}:${bound}`);
    });
  });
}

function listenError(error: NodeJS.ErrnoException, host: string, port: number): Error {
  const where = `cannot listen on ${host}:${port}`;
  switch (error.code) {
    case 'EADDRINUSE':
      return new FaultlineError(
        'FAULTLINE_ERR_ADDRESS_IN_USE',
        `${where}: address already in use (is another faultline or toxiproxy-server running?); pass --port with a free port`,
      );
    case 'EADDRNOTAVAIL':
      return new FaultlineError(
        'FAULTLINE_ERR_ADDRESS_UNAVAILABLE',
        `${where}: ${host} is not an address of this machine; pass --host with one of its addresses, or 0.0.0.0 for all of them`,
      );
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new FaultlineError(
        'FAULTLINE_ERR_INVALID_ADDRESS',
        `${where}: the host name ${host} does not resolve; pass --host with an IP address or a name this machine resolves`,
      );
    case 'EACCES':
      return new FaultlineError(
        'FAULTLINE_ERR_PERMISSION',
        `${where}: permission denied (ports below 1024 need root or CAP_NET_BIND_SERVICE); pass --port 1024 or above`,
      );
    default:
      return error;
  }
}
