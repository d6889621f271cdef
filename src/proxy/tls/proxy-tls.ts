import { isIP } from 'node:net';
import { hostname } from 'node:os';
import tls from 'node:tls';
import { FaultlineError } from '../../model/errors.js';
import type { ProxyProtocol } from '../../model/protocol.js';
import type { TlsOrigination, TlsTermination } from '../../model/tls-spec.js';
import type { RecordReader } from '../record-reader.js';
import { type ListenNameMismatch, listenNameMismatch } from './certificate-names.js';
import { checkOrigination, checkTermination } from './check-credentials.js';
import { checkLoadable } from './loadable-credentials.js';
import { weakKeyOf } from './weak-key.js';
import { connectSecure, createSecureAcceptor, type SecureAcceptor } from './secure-sockets.js';

/** Issues a certificate for these host names and addresses (faultline's local CA, given by the server). */
export type CertificateIssuer = (hosts: readonly string[]) => Promise<{ cert: string; key: string }>;

/** What a proxy that terminates TLS presents to its clients. */
export interface ServerTls {
  readonly spec: TlsTermination;
  /** The certificate chain and key presented: given, or issued by the local CA. */
  readonly pair: { readonly cert: string; readonly key: string };
  readonly alpn: readonly string[];
  /** When set, clients must present a certificate signed by one of these CAs. */
  readonly clientCa?: string;
  /** A given certificate that names none of the listen hosts (a warning, not an error). */
  readonly listenMismatch?: ListenNameMismatch;
  /** A given certificate chain with a key clients at OpenSSL's security level 2 refuse (weak-key.ts). */
  readonly weakKey?: string;
  /** Terminates TLS with these settings on the connections handed to it. */
  acceptor(
    secured: (socket: tls.TLSSocket, reader: RecordReader) => void,
    failed: (client: string, code: string, message: string) => void,
  ): SecureAcceptor;
}

/** How a proxy that originates TLS connects to its upstream (node:tls options, checked). */
export interface ClientTls {
  readonly spec: TlsOrigination;
  readonly options: tls.ConnectionOptions;
  /** The client certificate's weak key (weak-key.ts), which upstreams at OpenSSL's default level refuse. */
  readonly weakKey?: string;
  /** Opens a TLS connection with these settings, reading into `reader`. */
  connect(host: string, port: number, reader: RecordReader): tls.TLSSocket;
}

/** ALPN offers by protocol: the protocol's own, so an h2 client reaches an http2 proxy. */
const ALPN: Record<ProxyProtocol, readonly string[]> = {
  tcp: [],
  http: ['http/1.1'],
  http2: ['h2'],
  udp: [],
};

/**
 * `listenHosts`: the listen host as given and, for a name, the address it resolved to (the one
 * the API shows), so a certificate for `localhost:8443` is good for `127.0.0.1:8443` too.
 */
export async function serverTls(
  spec: TlsTermination,
  listenHosts: readonly string[],
  protocol: ProxyProtocol,
  issue: CertificateIssuer | undefined,
): Promise<ServerTls> {
  checkTermination(spec);
  const hosts = [...new Set(listenHosts.flatMap(certificateHosts))];
  let pair: { cert: string; key: string };
  if ('auto' in spec) {
    if (!issue)
      throw new FaultlineError('FAULTLINE_ERR_INVALID_FIELD', 'invalid tls', {
        hint: 'tls.auto needs the local CA of a faultline server; this engine was created without one, so give tls.cert and tls.key',
      });
    pair = await issue(hosts);
  } else pair = { cert: spec.cert, key: spec.key };
  const listenMismatch = 'auto' in spec ? undefined : listenNameMismatch(spec.cert, hosts);
  const weakKey = 'auto' in spec ? undefined : weakKeyOf(spec.cert);
  const clientCa = spec.client_ca;
  // A pair Node cannot load fails here, as a 400, not at the first client.
  checkLoadable({ ...pair, ...(clientCa === undefined ? {} : { ca: clientCa }) }, 'tls');
  const settings: ServerTls = {
    spec,
    pair,
    alpn: ALPN[protocol],
    ...(clientCa === undefined ? {} : { clientCa }),
    ...(listenMismatch === undefined ? {} : { listenMismatch }),
    ...(weakKey === undefined ? {} : { weakKey }),
    acceptor: (secured, failed) => createSecureAcceptor(settings, secured, failed),
  };
  return settings;
}

export function clientTls(spec: TlsOrigination, upstreamHost: string): ClientTls {
  checkOrigination(spec);
  const checked = spec.servername;
  const servername = checked ?? (isIP(upstreamHost) === 0 ? upstreamHost : undefined);
  // An address is never sent as SNI (RFC 6066; Node warns DEP0123): the upstream's certificate
  // is checked against it all the same.
  const sni =
    checked !== undefined && isIP(checked) !== 0
      ? {
          checkServerIdentity: (_host: string, cert: tls.PeerCertificate) =>
            tls.checkServerIdentity(checked, cert),
        }
      : servername === undefined
        ? {}
        : { servername };
  // What node:tls would refuse at each connection (and throw inside the server) is a 400 now.
  checkLoadable(
    {
      ...(spec.ca === undefined ? {} : { ca: spec.ca }),
      ...(spec.cert === undefined ? {} : { cert: spec.cert, key: spec.key }),
    },
    'upstream_tls',
  );
  const options: tls.ConnectionOptions = {
    ...sni,
    ...(spec.ca === undefined ? {} : { ca: spec.ca }),
    ...(spec.cert === undefined ? {} : { cert: spec.cert, key: spec.key }),
    rejectUnauthorized: spec.insecure !== true,
  };
  const weakKey = spec.cert === undefined ? undefined : weakKeyOf(spec.cert);
  return {
    spec,
    options,
    ...(weakKey === undefined ? {} : { weakKey }),
    connect: (host, port, reader) => connectSecure(host, port, options, reader),
  };
}

/** The names a certificate for this listen host must carry for clients on this machine to accept it. */
export function certificateHosts(listenHost: string): string[] {
  const everywhere = listenHost === '' || listenHost === '0.0.0.0' || listenHost === '::';
  if (everywhere) return ['localhost', '127.0.0.1', '::1', hostname()];
  if (listenHost.startsWith('127.') || listenHost === '::1') return [listenHost, 'localhost'];
  return [listenHost];
}
