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
