// zod/mini: the server loads only the validators it uses (see scripts/build-cli.mjs).
import * as z from 'zod/mini';
import { FaultlineError } from './errors.js';
import { lazySchema, parseWith } from './fields.js';

/**
 * TLS on a proxy: `tls` makes it present a certificate to its clients (termination), and
 * `upstream_tls` makes it speak TLS to its upstream (origination). Both are optional and absent
 * from a proxy's JSON when unset, so a plain proxy stays byte-identical to Toxiproxy's.
 * Certificates and keys travel as PEM text: the server never reads a file a request names.
 */

const pem = (what: string) =>
  z.optional(
    z
      .string({ error: `${what} must be PEM text (-----BEGIN ...)` })
      .check(
        z.minLength(1, { error: `${what} is empty` }),
        z.maxLength(256 * 1024, { error: `${what} is over 256 KiB; give the certificate chain only` }),
      ),
  );

const terminationShape = lazySchema(() =>
  z.strictObject({
    cert: pem('tls.cert'),
    key: pem('tls.key'),
    auto: z.optional(z.boolean({ error: 'tls.auto must be true or false' })),
    client_ca: pem('tls.client_ca'),
  }),
);

const hostName = 'upstream_tls.servername must be a host name (letters, digits, . and -)';

const originationShape = lazySchema(() =>
  z.strictObject({
    servername: z.optional(
      z
        // The string's error is also the message of its checks: one text for every way to be wrong.
        .string({ error: hostName })
        .check(z.maxLength(253), z.regex(/^[A-Za-z0-9.-]+$/)),
    ),
    ca: pem('upstream_tls.ca'),
    cert: pem('upstream_tls.cert'),
    key: pem('upstream_tls.key'),
    insecure: z.optional(z.boolean({ error: 'upstream_tls.insecure must be true or false' })),
  }),
);

/** How the API and `export` show a private key: keys never leave the server. */
export const REDACTED_KEY = '[redacted]';

/**
 * `client_ca`: the CA certificates that sign client certificates; when set, the proxy asks each
 * client for a certificate and refuses one without a certificate those CAs signed (mTLS).
 */
export type TlsTermination = ({ auto: true } | { cert: string; key: string }) & { client_ca?: string };
export type TlsOrigination = z.infer<ReturnType<typeof originationShape>>;

export function parseTlsTermination(value: unknown, where: string): TlsTermination {
  const spec = parseWith(terminationShape(), value, `tls of ${where}`);
  const hasPair = spec.cert !== undefined || spec.key !== undefined;
  if (spec.auto === true && hasPair)
    throw invalid('tls', where, 'give either auto: true or cert and key, not both');
  const clients = spec.client_ca === undefined ? {} : { client_ca: spec.client_ca };
  if (spec.auto === true) return { auto: true, ...clients };
  if (spec.cert === undefined || spec.key === undefined)
    throw invalid(
      'tls',
      where,
      `${spec.cert === undefined ? 'tls.cert' : 'tls.key'} is missing; give cert and key as PEM, or auto: true for a certificate from faultline's local CA`,
    );
  return { cert: spec.cert, key: spec.key, ...clients };
}

export function parseTlsOrigination(value: unknown, where: string): TlsOrigination {
  const spec = parseWith(originationShape(), value, `upstream_tls of ${where}`);
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

/** What a TLS spec looks like in the API: private keys never leave the server; CA certificates are public. */
export function showTermination(spec: TlsTermination): TlsTermination {
  return 'auto' in spec ? { ...spec } : { ...spec, key: REDACTED_KEY };
}

export function showOrigination(spec: TlsOrigination): TlsOrigination {
  return spec.key === undefined ? { ...spec } : { ...spec, key: REDACTED_KEY };
}

/**
 * Whether two TLS settings are the same as the API shows them (keys redacted), so a file from
 * `export` matches the server it came from. A certificate has one key, so comparing the shown
 * forms loses nothing.
 */
export function sameTermination(a: TlsTermination | undefined, b: TlsTermination | undefined): boolean {
  return JSON.stringify(a && showTermination(a)) === JSON.stringify(b && showTermination(b));
}

export function sameOrigination(a: TlsOrigination | undefined, b: TlsOrigination | undefined): boolean {
  return JSON.stringify(a && showOrigination(a)) === JSON.stringify(b && showOrigination(b));
}
