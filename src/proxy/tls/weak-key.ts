import { X509Certificate } from 'node:crypto';
import { PEM_CERTIFICATE } from './check-credentials.js';

/**
 * A key in a proxy's own certificate chain (`tls.cert`) smaller than OpenSSL's default security
 * level 2 allows: RSA and DSA under 2048 bits, elliptic curves under 224. Node loads such a
 * certificate and the proxy serves it, but curl, openssl s_client and Python on current
 * distributions refuse it (curl exit 60, "EE certificate key too weak"), answering with a "bad
 * certificate" alert that says nothing of why. So it is a warning when the proxy is created, and
 * the reason a refusal's `tls.failed` gives.
 */

/** The fewest bits of an RSA or DSA key, and of an elliptic curve, at security level 2 (112 bits). */
const MIN_FINITE_FIELD_BITS = 2048;
const MIN_CURVE_BITS = 224;

/**
 * The first weak key of a PEM chain (already checked by check-credentials), said as
 * "an RSA key of 1024 bits (CN=api.test)", or undefined when every key is strong enough.
 */
export function weakKeyOf(chainPem: string): string | undefined {
  const blocks = chainPem.match(PEM_CERTIFICATE) ?? [];
  for (const [index, block] of blocks.entries()) {
    const certificate = new X509Certificate(block);
    const key = keyStrength(certificate);
    if (key === undefined) continue;
    const subject = certificate.subject.replace(/\n/g, ', ');
    const whose = index === 0 ? subject : `the intermediate ${subject}, ${index + 1} in the chain`;
    return `${key} (${whose})`;
  }
  return undefined;
}

/** "an RSA key of 1024 bits" when the certificate's key is weak, else undefined. */
function keyStrength(certificate: X509Certificate): string | undefined {
  const { asymmetricKeyType: type, asymmetricKeyDetails: details } = certificate.publicKey;
  if (type === 'rsa' || type === 'rsa-pss' || type === 'dsa') {
    const bits = details?.modulusLength;
    if (bits === undefined || bits >= MIN_FINITE_FIELD_BITS) return undefined;
    return `${type === 'dsa' ? 'a DSA' : 'an RSA'} key of ${bits} bits`;
  }
  if (type === 'ec') {
    const curve = details?.namedCurve ?? '';
    // Curve names carry their size: prime192v1, secp160r1, secp384r1, brainpoolP256r1.
    const bits = Number(/\d{3}/.exec(curve)?.[0] ?? MIN_CURVE_BITS);
    return bits < MIN_CURVE_BITS ? `an EC key on ${curve} (${bits} bits)` : undefined;
  }
  return undefined;
}

const BELOW_LEVEL_2 =
  "below OpenSSL's default security level 2 (RSA and DSA keys of 2048 bits or more, elliptic curves of 224 bits or more)";
const STRONGER_KEY =
  'an RSA key of 2048 bits or more or an EC key (openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 ...)';

/** The warning said when a proxy is created or its tls changes to a certificate with a weak key. */
export function weakKeyWarning(proxy: string, weakKey: string): string {
  return (
    `proxy ${JSON.stringify(proxy)}: tls.cert has ${weakKey}, ${BELOW_LEVEL_2}: curl, openssl s_client and Python refuse it ` +
    `(curl exit 60, "EE certificate key too weak", or "CA certificate key too weak" for an intermediate), though Node accepts it; ` +
    `give a certificate with ${STRONGER_KEY}, or use tls.auto`
  );
}

/**
 * The same for the client certificate a proxy presents to its upstream (`upstream_tls.cert`,
 * mTLS): an upstream that checks client certificates at OpenSSL's default level refuses the
 * handshake, and the proxy sees only an alert.
 */
export function weakClientKeyWarning(proxy: string, weakKey: string): string {
  return (
    `proxy ${JSON.stringify(proxy)}: upstream_tls.cert has ${weakKey}, ${BELOW_LEVEL_2}: an upstream that checks client certificates with OpenSSL at its default level ` +
    `(nginx, HAProxy, Python on current distributions) refuses the handshake ("EE certificate key too weak", or "CA certificate key too weak" for an intermediate); ` +
    `give a client certificate with ${STRONGER_KEY}`
  );
}
