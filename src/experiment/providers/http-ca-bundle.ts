import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { TrustedCas } from '../../net/fetch-any-port.js';
import { ActivityAborted } from '../errors.js';

/**
 * The CAs an HTTP activity trusts when it verifies TLS, as requests picks them: the file (or
 * directory of certificates) REQUESTS_CA_BUNDLE names, else CURL_CA_BUNDLE's, which then replace
 * the default ones; neither set (or empty), undefined: Node's own. A bundle that cannot be read is
 * requests' OSError, which chaoslib does not catch: the run is aborted, naming it.
 */
export function caBundle(env: NodeJS.ProcessEnv = process.env): TrustedCas | undefined {
  const variable = env.REQUESTS_CA_BUNDLE
    ? 'REQUESTS_CA_BUNDLE'
    : env.CURL_CA_BUNDLE
      ? 'CURL_CA_BUNDLE'
      : undefined;
  if (!variable) return undefined;
  const path = env[variable]!;
  try {
    const pem = statSync(path).isDirectory()
      ? readdirSync(path)
          .map((name) => join(path, name))
          .filter((file) => statSync(file).isFile())
          .map((file) => readFileSync(file, 'utf8'))
          .filter((text) => text.includes('-----BEGIN CERTIFICATE-----'))
          .join('\n')
      : readFileSync(path, 'utf8');
    return { path, pem };
  } catch (error) {
    throw new ActivityAborted(
      `Could not find a suitable TLS CA certificate bundle, invalid path: ${path} (${variable}; ${(error as Error).message}): set it to a PEM file of CA certificates, or unset it`,
    );
  }
}
