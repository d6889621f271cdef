import { isIP } from 'node:net';
import { X509Certificate } from 'node:crypto';

/**
 * Whether a proxy's own certificate (`tls.cert`) names the host its clients connect to. A
 * certificate for another name can be meant (clients that send a servername it carries), so a
 * mismatch is a warning, never a refusal; but clients that check the name refuse the
 * certificate, often without a word to the proxy, so faultline says it where it can.
 */

/** A certificate that names none of the hosts a proxy listens on. */
export interface ListenNameMismatch {
  /** What the certificate names, as OpenSSL lists it: "DNS:example.com, IP Address:10.0.0.1". */
  readonly names: string;
  /** The hosts it would need one of, e.g. ["127.0.0.1", "localhost"]. */
  readonly hosts: readonly string[];
  /** A name the certificate carries that a client could ask for, when it has one. */
  readonly servername?: string;
  /**
   * The listen address the certificate names in its subject's CN alone, without a
   * subjectAltName: curl accepts that, but Node, OpenSSL's -verify_ip and browsers match an
   * address against subjectAltName only.
   */
  readonly addressInCnOnly?: string;
}

/** The leaf (first) certificate of a PEM chain, already checked by check-credentials. */
export function leafCertificate(certPem: string): X509Certificate {
  return new X509Certificate(certPem);
}

/** What a certificate names: its subject alternative names, else its subject's CN. */
export function certificateNames(leaf: X509Certificate): string {
  const cn = subjectCn(leaf);
  return leaf.subjectAltName ?? (cn === undefined ? 'no host' : `CN=${cn}`);
}

function subjectCn(leaf: X509Certificate): string | undefined {
  return /(?:^|\n)CN=([^\n]*)/.exec(leaf.subject)?.[1];
}

/** `address`, when the certificate names it in its CN alone (see ListenNameMismatch). */
export function addressInCnOnly(leaf: X509Certificate, address: string): string | undefined {
  return leaf.subjectAltName === undefined && isIP(address) !== 0 && subjectCn(leaf) === address
    ? address
    : undefined;
}

/** Whether a client that checks the name accepts the certificate for `host` (a name or an address). */
export function certificateNamesHost(leaf: X509Certificate, host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').replace(/^::ffff:(?=\d+\.)/, '');
  return isIP(bare) === 0 ? leaf.checkHost(bare) !== undefined : leaf.checkIP(bare) !== undefined;
}

/** The mismatch, when the certificate names none of `hosts`; undefined when it names one. */
export function listenNameMismatch(
  certPem: string,
  hosts: readonly string[],
): ListenNameMismatch | undefined {
  const leaf = leafCertificate(certPem);
  if (hosts.some((host) => certificateNamesHost(leaf, host))) return undefined;
  const servername = /(?:^|, )DNS:([^,*\s]+)/.exec(leaf.subjectAltName ?? '')?.[1];
  const inCn = hosts.map((host) => addressInCnOnly(leaf, host)).find((address) => address !== undefined);
  return {
    names: certificateNames(leaf),
    hosts,
    ...(servername === undefined ? {} : { servername }),
    ...(inCn === undefined ? {} : { addressInCnOnly: inCn }),
  };
}

/** Said in `tls.failed` when a client sent an alert refusing a certificate for another name. */
export function refusedForName(reason: string, leaf: X509Certificate, asked: string, bySni: boolean): string {
  const how = bySni
    ? 'the servername (SNI) the client asked for'
    : 'the address the client connected to, without a servername';
  if (addressInCnOnly(leaf, asked) !== undefined)
    return `the client refused the proxy's certificate (${reason}): it names ${asked}, ${how}, in its subject's CN alone, without a subjectAltName, which clients that check an address require; give tls.cert a certificate with subjectAltName IP:${asked}, or use tls.auto`;
  return (
    `the client refused the proxy's certificate (${reason}): it names ${certificateNames(leaf)}, not ${asked}, ${how}; ` +
    `give tls.cert a certificate for ${asked}, use tls.auto, or have the client ask for a name the certificate carries`
  );
}

/**
 * Said in `tls.failed` when a client left its handshake with a proxy whose certificate names none
 * of its listen hosts: Node's tls checks the name after the server's part and closes, no alert.
 */
export function resetForName(whatTheClientDid: string, mismatch: ListenNameMismatch): string {
  const inCn = mismatch.addressInCnOnly;
  if (inCn !== undefined)
    return (
      `${whatTheClientDid}, and the proxy's certificate names ${inCn} in its subject's CN alone, without a subjectAltName: ` +
      `a client that checks an address against subjectAltName refuses it so (Node's tls: ERR_TLS_CERT_ALTNAME_INVALID); ` +
      `give tls.cert a certificate with subjectAltName IP:${inCn}, or use tls.auto`
    );
  return (
    `${whatTheClientDid}, and the proxy's certificate names ${mismatch.names}, not ${mismatch.hosts.join(' or ')} where it listens: ` +
    `a client that checks the name refuses it so (Node's tls: ERR_TLS_CERT_ALTNAME_INVALID); ` +
    `give tls.cert a certificate for ${mismatch.hosts[0]}, use tls.auto, or have the client ask for a name the certificate carries`
  );
}
