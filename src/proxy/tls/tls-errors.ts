/** OpenSSL's message carries its source file and line; its reason is the readable part. */
export function tlsReason(error: Error & { reason?: unknown }): string {
  return typeof error.reason === 'string' ? error.reason : (error.message.split('\n')[0] ?? '');
}

/** Errors from the TLS layer rather than the TCP connect (which `connection.failed` reports alone). */
export function isTlsError(error: Error & { code?: unknown }): boolean {
  return /^(ERR_SSL|ERR_TLS|CERT_|UNABLE_TO|DEPTH_ZERO|SELF_SIGNED|ERR_OSSL|HOSTNAME_MISMATCH)/.test(
    typeof error.code === 'string' ? error.code : '',
  );
}

/**
 * What a client did that a terminating proxy refused, for the handshakes where OpenSSL's reason
 * ("http request", "no application protocol", "unknown ca") does not say it.
 */
export function clientHandshakeReason(
  code: string,
  reason: string,
  proxy: { readonly alpn: readonly string[]; readonly auto: boolean; readonly minVersion: string },
): string {
  const { alpn } = proxy;
  if (code === 'ERR_SSL_HTTP_REQUEST')
    return `the client sent plain HTTP to a port that terminates TLS (${reason}): use https://`;
  if (code === 'ERR_SSL_NO_APPLICATION_PROTOCOL' && alpn.length > 0) {
    const other = alpn.includes('h2')
      ? ': an HTTP/1.1 client needs a proxy with protocol http'
      : alpn.includes('http/1.1')
        ? ': a client that speaks only HTTP/2 (ALPN h2, as gRPC clients) needs a proxy with protocol http2'
        : '';
    return `the client offered none of the protocols this proxy speaks over TLS (ALPN ${alpn.join(', ')}; ${reason})${other}`;
  }
  if (code === 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA') {
    const trust = proxy.auto
      ? "faultline's local CA, which issued it (faultline ca -h SERVER --pem > faultline-ca.pem; curl --cacert faultline-ca.pem)"
      : 'the CA that signed tls.cert';
    return `the client does not trust the CA of the proxy's certificate (${reason}): give the client ${trust}`;
  }
  if (code === 'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE' || code === 'ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN')
    return `the client refused the proxy's certificate (${reason}): check that it names the host the client connects to and that the client trusts its CA`;
  if (code === 'ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE')
    return `the client sent no certificate, and this proxy requires one signed by tls.client_ca (${reason}): give the client a certificate and its key (curl --cert FILE --key FILE)`;
  if (code === 'ECONNRESET') return `the client closed the connection during the handshake (${reason})`;
  if (code === 'ERR_SSL_UNSUPPORTED_PROTOCOL')
    return `the client offered only TLS versions older than the proxy accepts (${reason}): it speaks ${proxy.minVersion} and later`;
  return reason;
}

const UNTRUSTED = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
]);

/**
 * What to change when the proxy refused its upstream's certificate ("" for other failures):
 * OpenSSL's reason says what failed, not which upstream_tls field fixes it.
 */
export function upstreamVerifyHint(
  error: Error & { code?: string | undefined; cert?: { subjectaltname?: string } },
): string {
  if (error.code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    const names = error.cert?.subjectaltname;
    return `; the upstream's certificate does not name the host the proxy checks${names ? ` (it names ${names})` : ''}: set upstream_tls.servername to a name it carries`;
  }
  if (error.code === 'CERT_HAS_EXPIRED' || error.code === 'CERT_NOT_YET_VALID')
    return `; the upstream's certificate, or one in its chain, ${error.code === 'CERT_HAS_EXPIRED' ? 'has expired' : 'is not valid yet'}: give the upstream a certificate valid now, or set upstream_tls.insecure (without ca) to reach it unverified`;
  if (UNTRUSTED.has(error.code ?? ''))
    return "; the proxy does not trust the CA of the upstream's certificate: give upstream_tls.ca the CA that signed it (faultline create --upstream-ca FILE)";
  return '';
}
