import { createPrivateKey, type KeyObject, X509Certificate } from 'node:crypto';
import { FaultlineError } from '../../model/errors.js';
import { REDACTED_KEY, type TlsOrigination, type TlsTermination } from '../../model/tls-spec.js';

/**
 * Checks the PEM a proxy is given before it is used, so a bad certificate is a 400 naming the
 * field and the problem rather than a handshake that fails later for every client.
 */

export const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/**
 * Every certificate and key of a proxy's `tls`, checked as the server checks them before it
 * listens; `apply` runs the same checks before it changes anything. `tls.auto` is issued by the
 * server itself, so only its client_ca is checked here.
 */
export function checkTermination(spec: TlsTermination, now = Date.now()): void {
  if (!('auto' in spec)) checkCertificateAndKey(spec.cert, spec.key, 'tls', now);
  if (spec.client_ca !== undefined) checkCaBundle(spec.client_ca, 'tls.client_ca', now);
}

export function checkOrigination(spec: TlsOrigination, now = Date.now()): void {
  if (spec.ca !== undefined) checkCaBundle(spec.ca, 'upstream_tls.ca', now);
  if (spec.cert !== undefined && spec.key !== undefined)
    checkCertificateAndKey(spec.cert, spec.key, 'upstream_tls', now);
}

export function checkCertificateAndKey(
  certPem: string,
  keyPem: string,
  field: string,
  now = Date.now(),
): void {
  const [leaf, ...intermediates] = certificates(certPem, `${field}.cert`);
  const key = privateKey(keyPem, `${field}.key`);
  if (leaf === undefined) throw invalid(`${field}.cert`, 'it holds no certificate');
  if (!leaf.checkPrivateKey(key))
    throw invalid(`${field}.key`, `it does not belong to the certificate in ${field}.cert (${leaf.subject})`);
  checkDates(leaf, `${field}.cert`, now);
  // A client that needs an intermediate refuses the whole chain when that one is out of date.
  intermediates.forEach((certificate, index) => checkDates(certificate, `${field}.cert`, now, index + 2));
}

/** A bundle of CA certificates for verifying an upstream: each must be a CA and valid now. */
export function checkCaBundle(pem: string, field: string, now = Date.now()): void {
  const bundle = certificates(pem, field);
  if (bundle.length === 0) throw invalid(field, 'it holds no certificate');
  for (const certificate of bundle) {
    if (!certificate.ca)
      throw invalid(
        field,
        `${certificate.subject.replace(/\n/g, ', ')} is not a CA certificate (basic constraints CA:FALSE)`,
      );
    checkDates(certificate, field, now);
  }
}

function certificates(pem: string, field: string): X509Certificate[] {
  const blocks = pem.match(PEM_CERTIFICATE) ?? [];
  const other = pemLabel(pem);
  if (blocks.length === 0 && other !== undefined)
    throw invalid(
      field,
      `it is PEM, but of ${article(other)} (-----BEGIN ${other}-----), not a certificate: expected -----BEGIN CERTIFICATE-----${other.endsWith('PRIVATE KEY') ? swapAdvice(field) : ''}`,
    );
  if (blocks.length === 0)
    throw invalid(field, `it is not PEM: expected -----BEGIN CERTIFICATE-----${fileAdvice(pem, field)}`);
  return blocks.map((block, index) => {
    try {
      return new X509Certificate(block);
    } catch (error) {
      throw invalid(field, `certificate ${index + 1} cannot be read (${(error as Error).message})`);
    }
  });
}

function privateKey(pem: string, field: string): KeyObject {
  if (pem === REDACTED_KEY)
    throw invalid(
      field,
      `it is "${REDACTED_KEY}", as GET /proxies and faultline export show private keys; put the PEM key back in the file, or use tls.auto`,
    );
  const label = pemLabel(pem);
  if (label !== undefined && !/-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/.test(pem))
    throw invalid(
      field,
      `it is PEM, but of ${article(label)} (-----BEGIN ${label}-----), not a private key: expected -----BEGIN PRIVATE KEY----- (or RSA PRIVATE KEY, EC PRIVATE KEY)${label === 'CERTIFICATE' ? swapAdvice(field) : ''}`,
    );
  try {
    return createPrivateKey(pem);
  } catch (error) {
    const encrypted = /ENCRYPTED/.test(pem) ? '; faultline needs the key without a passphrase' : '';
    throw invalid(
      field,
      `it is not a readable PEM private key (${(error as Error).message})${encrypted}${fileAdvice(pem, field)}`,
    );
  }
}

/** The label of the first PEM block, e.g. "PRIVATE KEY" or "CERTIFICATE REQUEST". */
function pemLabel(pem: string): string | undefined {
  return /-----BEGIN ([A-Z0-9 ]+)-----/.exec(pem)?.[1];
}

function article(label: string): string {
  return `${/^[AEIOU]/.test(label) ? 'an' : 'a'} ${label}`;
}

/** A certificate and key pair given the wrong way round is the likely mistake. */
function swapAdvice(field: string): string {
  const pair = field.replace(/\.(cert|key)$/, '');
  if (pair === field) return '';
  return `; were the certificate and the key swapped? (${fileFlags[`${pair}.cert`]} FILE ${fileFlags[`${pair}.key`]} FILE)`;
}

/** The CLI flag that reads a file into each field. */
const fileFlags: Record<string, string> = {
  'tls.cert': '--tls-cert',
  'tls.key': '--tls-key',
  'tls.client_ca': '--tls-client-ca',
  'upstream_tls.ca': '--upstream-ca',
  'upstream_tls.cert': '--upstream-cert',
  'upstream_tls.key': '--upstream-key',
};

/** A value on one line that names a file is a path given where the PEM text belongs. */
function fileAdvice(value: string, field: string): string {
  const looksLikePath =
    !/[\r\n]/.test(value) && /^(~|\.{0,2}\/|[\w.-]+\/)|\.(pem|crt|cer|key)$/i.test(value.trim());
  if (!looksLikePath) return '';
  const flag = fileFlags[field];
  return `; ${JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value)} looks like a file path, but the server never reads files: put the PEM text inline (a YAML "|" block)${flag ? ` or use faultline create ${flag} FILE` : ''}`;
}

/** `position`, for a certificate after the leaf of a chain, names it as an intermediate. */
function checkDates(certificate: X509Certificate, field: string, now: number, position?: number): void {
  const subject = certificate.subject.replace(/\n/g, ', ');
  const named =
    position === undefined
      ? `the certificate ${subject}`
      : `the intermediate certificate ${subject} (${position} in the chain)`;
  if (Date.parse(certificate.validTo) < now)
    throw invalid(field, `${named} expired on ${new Date(certificate.validTo).toISOString()}`);
  if (Date.parse(certificate.validFrom) > now)
    throw invalid(field, `${named} is not valid before ${new Date(certificate.validFrom).toISOString()}`);
}

function invalid(field: string, problem: string): FaultlineError {
  return new FaultlineError('FAULTLINE_ERR_INVALID_FIELD', `invalid ${field}`, { hint: problem });
}
