import { FaultlineError } from '../../model/errors.js';
import { sendText } from '../respond.js';
import type { Route } from '../route.js';

/**
 * GET /ca.pem: the certificate of the CA that signs `tls.auto` certificates, so a client in
 * another container or under another user can trust it (`curl -o ca.pem .../ca.pem`). Only the
 * certificate: the key never leaves the CA directory.
 */
export function caRoute(certificatePem: (() => Promise<string>) | undefined): Route {
  return {
    method: 'GET',
    path: '/ca.pem',
    name: 'CaCertificate',
    handler: async (_request, response) => {
      if (!certificatePem) {
        throw new FaultlineError('FAULTLINE_ERR_INTERNAL', 'no local CA', {
          hint: 'this server was built without a local CA (an embedded engine); proxies with tls.auto cannot be created here either',
        });
      }
      let pem: string;
      try {
        pem = await certificatePem();
      } catch (error) {
        throw new FaultlineError('FAULTLINE_ERR_INTERNAL', 'local CA unavailable', {
          cause: error,
          hint: `faultline's local CA could not be opened: ${(error as Error).message}; check FAULTLINE_CA_DIR and its permissions (0700, owned by the server's user)`,
        });
      }
      sendText(response, 200, pem, 'application/x-pem-file');
    },
  };
}
