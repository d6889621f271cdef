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
 * ("http request", "no application protocol") does not say it.
 */
export function clientHandshakeReason(code: string, reason: string, alpn: readonly string[]): string {
  if (code === 'ERR_SSL_HTTP_REQUEST')
    return `the client sent plain HTTP to a port that terminates TLS (${reason}): use https://`;
  if (code === 'ERR_SSL_NO_APPLICATION_PROTOCOL' && alpn.length > 0) {
    const other = alpn.includes('h2') ? ': an HTTP/1.1 client needs a proxy with protocol http' : '';
    return `the client offered none of the protocols this proxy speaks over TLS (ALPN ${alpn.join(', ')}; ${reason})${other}`;
  }
  return reason;
}
