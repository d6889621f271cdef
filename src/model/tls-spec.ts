import { z } from 'zod';
import { FaultlineError } from './errors.js';
import { parseWith } from './fields.js';

/**
 * TLS on a proxy: `tls` makes it present a certificate to its clients (termination), and
 * `upstream_tls` makes it speak TLS to its upstream (origination). Both are optional and absent
 * from a proxy's JSON when unset, so a plain proxy stays byte-identical to Toxiproxy's.
 * Certificates and keys travel as PEM text: the server never reads a file a request names.
 */

const pem = (what: string) =>
  z
    .string({ error: `${what} must be PEM text (-----BEGIN ...)` })
    .min(1)
    .max(256 * 1024, { error: `${what} is over 256 KiB; give the certificate chain only` });

const terminationShape = z.strictObject({
  cert: pem('tls.cert').optional(),
  key: pem('tls.key').optional(),
  auto: z.boolean({ error: 'tls.auto must be true or false' }).optional(),
});

const originationShape = z.strictObject({
  servername: z
    .string({ error: 'upstream_tls.servername must be a host name' })
    .min(1)
    .max(253)
    .regex(/^[A-Za-z0-9.-]+$/, {
      error: 'upstream_tls.servername must be a host name (letters, digits, . and -)',
    })
    .optional(),
  ca: pem('upstream_tls.ca').optional(),
  cert: pem('upstream_tls.cert').optional(),
  key: pem('upstream_tls.key').optional(),
  insecure: z.boolean({ error: 'upstream_tls.insecure must be true or false' }).optional(),
});

/** How the API and `export` show a private key: keys never leave the server. */
export const REDACTED_KEY = '[redacted]';

export type TlsTermination = { auto: true } | { cert: string; key: string };
export type TlsOrigination = z.infer<typeof originationShape>;

export function parseTlsTermination(value: unknown, where: string): TlsTermination {
  const spec = parseWith(terminationShape, value, `tls of ${where}`);
  const hasPair = spec.cert !== undefined || spec.key !== undefined;
  if (spec.auto === true && hasPair)
    throw invalid('tls', where, 'give either auto: true or cert and key, not both');
  if (spec.auto === true) return { auto: true };
  if (spec.cert === undefined || spec.key === undefined)
    throw invalid(
      'tls',
      where,
      `${spec.cert === undefined ? 'tls.cert' : 'tls.key'} is missing; give cert and key as PEM, or auto: true for a certificate from faultline's local CA`,
    );
  return { cert: spec.cert, key: spec.key };
}

export function parseTlsOrigination(value: unknown, where: string): TlsOrigination {
  const spec = parseWith(originationShape, value, `upstream_tls of ${where}`);
  if ((spec.cert === undefined) !== (spec.key === undefined))
    throw invalid(
      'upstream_tls',
      where,
      'a client certificate needs both upstream_tls.cert and upstream_tls.key',
    );
  if (spec.insecure === true && spec.ca !== undefined)
    throw invalid(
      'upstream_tls',
      where,
      'insecure: true skips verification, so ca would be ignored; give one of them',
    );
  return spec;
}

function invalid(field: string, where: string, hint: string): FaultlineError {
  return new FaultlineError('FAULTLINE_ERR_INVALID_FIELD', `invalid ${field} in ${where}`, { hint });
}
