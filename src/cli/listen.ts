import type { Server } from 'node:http';
import { FaultlineError } from '../model/errors.js';

/** Binds the control API; a taken port becomes an error that says what to do. */
export function listenControl(server: Server, host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') {
        reject(
          new FaultlineError(
            'FAULTLINE_ERR_ADDRESS_IN_USE',
            `cannot listen on ${host}:${port}: address already in use (is another faultline or toxiproxy-server running?); pass --port with a free port`,
          ),
        );
      } else reject(error);
    });
    server.listen(port, host, () => {
      const address = server.address();
      const bound = typeof address === 'object' && address ? address.port : port;
      resolve(`http://${host.includes(':') ? `[${host}]` : host}:${bound}`);
    });
  });
}
