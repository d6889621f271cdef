import tls from 'node:tls';
import { FaultlineError } from '../../model/errors.js';
import { weakKeyOf } from './weak-key.js';

/**
 * Loads a proxy's certificate, key and CAs into a secure context, as node:tls does for each
 * connection, so what OpenSSL refuses at Node's security level (a certificate signed with SHA-1
 * or MD5, a key under 1024 bits) is a 400 naming the field when the proxy is created. Before, a
 * server certificate was a 500 that called itself a bug, and an `upstream_tls` client
 * certificate was taken, then threw inside the server at the first connection and stopped it.
 */
export function checkLoadable(
  credentials: { cert?: string | undefined; key?: string | undefined; ca?: string | undefined },
  field: string,
): void {
  try {
    tls.createSecureContext(credentials);
  } catch (error) {
    throw refusal(error as NodeJS.ErrnoException & { reason?: string }, credentials.cert, field);
  }
}

function refusal(
  error: NodeJS.ErrnoException & { reason?: string },
  cert: string | undefined,
  field: string,
) {
  const reason = error.reason ?? error.message;
  const refused = `node:tls refuses it (${reason})`;
  if (error.code === 'ERR_SSL_CA_MD_TOO_WEAK')
    return invalid(
      `${field}.cert`,
      `${refused}: a certificate in it is signed with SHA-1 or MD5, which OpenSSL refuses at its default security level; sign it with SHA-256 (openssl x509 -req -sha256 ..., openssl req -x509 -sha256 ...)`,
    );
  if (error.code === 'ERR_SSL_EE_KEY_TOO_SMALL' || error.code === 'ERR_SSL_CA_KEY_TOO_SMALL') {
    const weak = cert === undefined ? undefined : weakKeyOf(cert);
    return invalid(
      `${field}.cert`,
      `${refused}: ${weak === undefined ? 'a key in it is too small' : `it has ${weak}`}, which OpenSSL refuses at its default security level; give a certificate with an RSA key of 2048 bits or more or an EC key`,
    );
  }
  return invalid(field, `node:tls cannot load its certificate, key and CAs together (${reason})`);
}

function invalid(field: string, hint: string): FaultlineError {
  return new FaultlineError('FAULTLINE_ERR_INVALID_FIELD', `invalid ${field}`, { hint });
}
