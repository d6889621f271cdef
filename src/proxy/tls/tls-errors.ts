import tls from 'node:tls';

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
  proxy: { readonly alpn: readonly string[]; readonly auto: boolean },
): string {
  const { alpn } = proxy;
  if (code === 'ERR_SSL_HTTP_REQUEST')
    return `the client sent plain HTTP to a port that terminates TLS (${reason}): use https://`;
  if (code === 'ERR_SSL_NO_APPLICATION_PROTOCOL' && alpn.length > 0) {
    const other = alpn.includes('h2') ? ': an HTTP/1.1 client needs a proxy with protocol http' : '';
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
  if (code === 'ERR_SSL_UNSUPPORTED_PROTOCOL')
    return `the client offered only TLS versions older than the proxy accepts (${reason}): it speaks ${tls.DEFAULT_MIN_VERSION} and later`;
  return reason;
}
