/**
 * chaos's `--no-verify-tls` skips the certificate check of an https:// experiment URL, and
 * nothing else: with a file or a plain http:// URL it does nothing, in chaos as here. Said, since
 * the flag's name promises more (the http activities keep checking certificates).
 */
export function idleNoVerifyTls(source: string, verifyTls: boolean): string | undefined {
  if (verifyTls || /^https:\/\//i.test(source)) return undefined;
  const what = /^http:\/\//i.test(source) ? 'a plain http:// URL' : 'a file';
  return `--no-verify-tls does nothing here: it only skips the certificate check of an https:// experiment URL, and ${source} is ${what}; an http activity checks certificates unless it says "verify_tls": false, with or without the flag (as in chaos)`;
}
