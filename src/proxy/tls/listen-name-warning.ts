import { isIP } from 'node:net';
import { parseHostPort } from '../../model/address.js';
import type { ListenNameMismatch } from './certificate-names.js';

/** The warning said when a proxy with such a certificate is created or changed. */
export function listenNameWarning(proxy: string, mismatch: ListenNameMismatch, listen: string): string {
  const { host: listenHost, port: given } = parseHostPort(listen, 'listen');
  // Port 0 (a file for apply --dry-run) is picked when the proxy starts.
  const port = given === 0 ? 'PORT' : given;
  // A proxy on every address is reached on this machine through loopback.
  const host =
    listenHost === '0.0.0.0' || listenHost === '' ? '127.0.0.1' : listenHost === '::' ? '::1' : listenHost;
  const connected = isIP(host) === 6 ? `[${host}]` : host;
  const { servername, addressInCnOnly } = mismatch;
  if (addressInCnOnly !== undefined)
    return (
      `proxy ${JSON.stringify(proxy)}: tls.cert names ${addressInCnOnly} in its subject's CN alone, without a subjectAltName: ` +
      `clients that connect to ${connected}:${port} and check the address against subjectAltName refuse it (Node ERR_TLS_CERT_ALTNAME_INVALID, openssl s_client -verify_ip, browsers; curl accepts it); ` +
      `give a certificate with subjectAltName IP:${addressInCnOnly} (openssl req -x509 … -addext subjectAltName=IP:${addressInCnOnly}), or use tls.auto`
    );
  const askForName =
    servername === undefined
      ? ''
      : ` unless they ask for a name it carries (curl --resolve ${servername}:${port}:${connected} https://${servername}:${port}/, openssl s_client -connect ${connected}:${port} -servername ${servername})`;
  return (
    `proxy ${JSON.stringify(proxy)}: tls.cert names ${mismatch.names}, not ${mismatch.hosts.join(' or ')} where the proxy listens: ` +
    `clients that connect to ${connected}:${port} and check the name refuse it (curl exit 60, Node ERR_TLS_CERT_ALTNAME_INVALID)${askForName}; ` +
    `give a certificate for ${mismatch.hosts[0]}, or use tls.auto`
  );
}
