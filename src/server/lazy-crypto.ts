import type * as Crypto from 'node:crypto';
import { createRequire } from 'node:module';

let loaded: typeof Crypto | undefined;

/**
 * node:crypto, loaded at its first use: importing it costs an idle server about 1.3 MB of RSS,
 * and a server without a token and without dashboard sessions never needs it.
 */
export function nodeCrypto(): typeof Crypto {
  return (loaded ??= createRequire(import.meta.url)('node:crypto') as typeof Crypto);
}
