import { FaultlineError } from '../model/errors.js';
import type { CertificateIssuer } from '../proxy/tls/proxy-tls.js';
import type { LocalCa } from '../system/local-ca.js';

/**
 * The local CA is read (or made) at the first proxy with tls.auto, or the first GET /ca.pem, not
 * at start-up.
 */
export function localCaAccess(): { issue: CertificateIssuer; certificatePem: () => Promise<string> } {
  let ca: Promise<LocalCa> | undefined;
  const open = async (): Promise<LocalCa> => {
    ca ??= import('../system/local-ca.js').then(({ openLocalCa }) => openLocalCa());
    try {
      return await ca;
    } catch (error) {
      ca = undefined;
      throw error;
    }
  };
  return {
    issue: async (hosts) => {
      try {
        return await (await open()).issue(hosts);
      } catch (error) {
        throw new FaultlineError('FAULTLINE_ERR_INVALID_FIELD', 'invalid tls', {
          cause: error,
          hint: `tls.auto needs faultline's local CA, which could not be opened: ${(error as Error).message}`,
        });
      }
    },
    certificatePem: async () => (await open()).certificatePem,
  };
}
