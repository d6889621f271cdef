import { FaultlineError, isFaultlineError } from '../model/errors.js';
import { checkOrigination, checkTermination } from '../proxy/tls/check-credentials.js';
import { checkLoadable } from '../proxy/tls/loadable-credentials.js';
import type { Change } from './apply-plan.js';

/**
 * Checks every certificate and key the changes would send, with the checks the server runs
 * before it listens, so `apply --dry-run` finds what the real apply would be refused for and a
 * real apply is refused before it changes anything.
 */
export function checkCredentials(changes: readonly Change[], file: string): void {
  for (const change of changes) {
    const sent = credentialsSent(change);
    if (!sent) continue;
    const { name, tls, upstreamTls } = sent;
    try {
      if (tls) checkTermination(tls);
      if (tls && !('auto' in tls)) checkLoadable({ cert: tls.cert, key: tls.key, ca: tls.client_ca }, 'tls');
      if (upstreamTls) checkOrigination(upstreamTls);
      if (upstreamTls) {
        const { ca, cert, key } = upstreamTls;
        checkLoadable({ ca, cert, key }, 'upstream_tls');
      }
    } catch (error) {
      if (!isFaultlineError(error)) throw error;
      throw new FaultlineError(
        'FAULTLINE_ERR_INVALID_CONFIG',
        `config file ${file}: proxy ${JSON.stringify(name)}: ${error.message}; nothing was applied`,
      );
    }
  }
}

/** The proxy a change names and the TLS settings it sends; null TLS (taking it off) checks nothing. */
function credentialsSent(change: Change) {
  if (change.kind === 'create-proxy')
    return { name: change.spec.name, tls: change.spec.tls, upstreamTls: change.spec.upstreamTls };
  if (change.kind === 'update-proxy')
    return { name: change.name, tls: change.body.tls, upstreamTls: change.body.upstream_tls };
  return undefined;
}
