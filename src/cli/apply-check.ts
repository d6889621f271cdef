import { FaultlineError, isFaultlineError } from '../model/errors.js';
import { checkOrigination, checkTermination } from '../proxy/tls/check-credentials.js';
import type { Change } from './apply-plan.js';

/**
 * Checks every certificate and key the changes would send, with the checks the server runs
 * before it listens, so `apply --dry-run` finds what the real apply would be refused for and a
 * real apply is refused before it changes anything.
 */
export function checkCredentials(changes: readonly Change[], file: string): void {
  for (const change of changes) {
    const name =
      change.kind === 'create-proxy'
        ? change.spec.name
        : change.kind === 'update-proxy'
          ? change.name
          : undefined;
    if (name === undefined) continue;
    const tls =
      change.kind === 'create-proxy'
        ? change.spec.tls
        : change.kind === 'update-proxy'
          ? change.body.tls
          : undefined;
    const upstreamTls =
      change.kind === 'create-proxy'
        ? change.spec.upstreamTls
        : change.kind === 'update-proxy'
          ? change.body.upstream_tls
          : undefined;
    try {
      if (tls) checkTermination(tls);
      if (upstreamTls) checkOrigination(upstreamTls);
    } catch (error) {
      if (!isFaultlineError(error)) throw error;
      throw new FaultlineError(
        'FAULTLINE_ERR_INVALID_CONFIG',
        `config file ${file}: proxy ${JSON.stringify(name)}: ${error.message}; nothing was applied`,
      );
    }
  }
}
