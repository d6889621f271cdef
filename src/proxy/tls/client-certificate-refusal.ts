/** OpenSSL's verify codes for a client certificate that no CA in tls.client_ca signed. */
const NOT_SIGNED_BY_CLIENT_CA = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'CERT_SIGNATURE_FAILURE',
]);

const SIGN_IT =
  'give the client a certificate that a CA in tls.client_ca signed, or add the CA that signed it to tls.client_ca';

/**
 * Why the proxy refused the certificate a client sent, from OpenSSL's verify code (Node has let go
 * of the certificate by then). OpenSSL finds the chain to a CA before it checks dates, so an
 * expired certificate is one that tls.client_ca did sign: it is said to be out of date, not unsigned.
 */
export function clientCertificateRefusal(code: string): string {
  switch (code) {
    case 'CERT_HAS_EXPIRED':
      return 'the client certificate, or one in the chain it sent, has expired (CERT_HAS_EXPIRED): give the client a certificate valid now';
    case 'CERT_NOT_YET_VALID':
      return "the client certificate, or one in the chain it sent, is not valid yet (CERT_NOT_YET_VALID): give the client a certificate valid now, or check the client's clock";
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
      return `the client certificate is self-signed, and no CA in tls.client_ca signed it (${code}): ${SIGN_IT}`;
    default:
      return NOT_SIGNED_BY_CLIENT_CA.has(code)
        ? `the client certificate is not signed by tls.client_ca (${code}): ${SIGN_IT}`
        : `the proxy refused the client certificate (${code})`;
  }
}
