import net from 'node:net';
import tls from 'node:tls';
import { RecordReader } from '../record-reader.js';
import { feedReader, readInto } from '../socket-reader.js';
import type { ServerTls } from './proxy-tls.js';
import { certificateNamesHost, leafCertificate, refusedForName, resetForName } from './certificate-names.js';
import { clientCertificateRefusal } from './client-certificate-refusal.js';
import { clientHandshakeReason, tlsReason } from './tls-errors.js';

/** A client that opens a connection and never finishes its handshake is dropped after this long. */
const HANDSHAKE_TIMEOUT_MS = 10_000;

/** Terminates TLS on the connections a proxy accepts. */
export interface SecureAcceptor {
  accept(socket: net.Socket): void;
  close(): void;
}

/**
 * A tls.Server that never listens: the proxy hands it each accepted connection, as net.Server
 * would, so Node does the handshake, its timeout and ALPN. `secured` gets each decrypted socket,
 * paused, with the reader it reads into; `failed` the client, a short reason code and a sentence.
 */
export function createSecureAcceptor(
  settings: ServerTls,
  secured: (socket: tls.TLSSocket, reader: RecordReader) => void,
  failed: (client: string, code: string, message: string) => void,
): SecureAcceptor {
  const server = tls.createServer({
    ...settings.pair,
    handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
    ...(settings.alpn.length === 0 ? {} : { ALPNProtocols: [...settings.alpn] }),
    // A client without a certificate fails the handshake (with a "certificate required" alert);
    // Node closes one whose certificate these CAs did not sign right after it.
    ...(settings.clientCa === undefined
      ? {}
      : { requestCert: true, rejectUnauthorized: true, ca: settings.clientCa }),
  });
  server.on('secureConnection', (socket: tls.TLSSocket) => {
    // Half-closes are carried once the handshake is done (see accept).
    socket.allowHalfOpen = true;
    socket.setNoDelay(true);
    const reader = new RecordReader();
    secured(adoptSecure(socket, reader), reader);
  });
  server.on('tlsClientError', (error: NodeJS.ErrnoException & { reason?: string }, socket: tls.TLSSocket) => {
    const client = clientAddress(socket);
    const refused = (socket as { authorizationError?: Error | string }).authorizationError;
    if (refused) failed(client, String(refused), clientCertificateRefusal(String(refused)));
    else {
      const code = error.code ?? 'ERR_TLS_HANDSHAKE';
      const proxy = {
        alpn: settings.alpn,
        auto: 'auto' in settings.spec,
        minVersion: tls.DEFAULT_MIN_VERSION,
      };
      const reason = tlsReason(error);
      failed(
        client,
        code,
        nameRefusal(code, reason, socket, settings) ??
          weakKeyRefusal(code, reason, settings) ??
          clientHandshakeReason(code, reason, proxy),
      );
    }
    if (error.code === 'ERR_SSL_HTTP_REQUEST') answerPlainHttp(socket);
    else socket.destroy();
  });
  return {
    accept(socket) {
      // Read now: Node keeps the addresses it read, and the TLS socket over this one may close first.
      void socket.remoteAddress;
      void socket.localAddress;
      // The TLS socket takes this setting: half-open, a client that closes during the handshake
      // (Node's, refusing the certificate) went unnoticed until the handshake timeout.
      socket.allowHalfOpen = false;
      server.emit('connection', socket);
      socket.resume();
    },
    close: () => server.removeAllListeners(),
  };
}

/**
 * Why a client refused the proxy's certificate, when it is for another name than the client asked
 * for (its servername, else the address it connected to). Node's tls client closes the
 * connection instead of sending an alert: that is put down to the name only when the certificate
 * names none of the proxy's listen hosts, and the client sent its hello (a port check sends nothing).
 */
function nameRefusal(
  code: string,
  reason: string,
  socket: tls.TLSSocket,
  settings: ServerTls,
): string | undefined {
  if (code === 'ECONNRESET' && bytesFromClient(socket) === 0)
    return `the client closed the connection before it began a handshake (${reason}), as a port check does`;
  if (code === 'ECONNRESET' && settings.listenMismatch !== undefined)
    return resetForName(
      `the client closed the connection during the handshake (${reason})`,
      settings.listenMismatch,
    );
  if (!REFUSED_CERTIFICATE.has(code)) return undefined;
  const servername = typeof socket.servername === 'string' ? socket.servername : undefined;
  const asked = servername ?? localAddress(socket);
  if (asked === undefined) return undefined;
  const leaf = leafCertificate(settings.pair.cert);
  if (certificateNamesHost(leaf, asked)) return undefined;
  return refusedForName(reason, leaf, asked, servername !== undefined);
}

/**
 * Why a client refused a certificate that names the right host: its key, when it is weaker than
 * OpenSSL's default security level allows (curl's "EE certificate key too weak" reaches the proxy
 * as a "bad certificate" alert, which says nothing of why).
 */
function weakKeyRefusal(code: string, reason: string, settings: ServerTls): string | undefined {
  if (!REFUSED_CERTIFICATE.has(code) || settings.weakKey === undefined) return undefined;
  return `the client refused the proxy's certificate (${reason}), which has ${settings.weakKey}: clients at OpenSSL's default security level refuse keys that small (curl: "EE certificate key too weak"); give tls.cert an RSA key of 2048 bits or more or an EC key, or use tls.auto`;
}

/** The alerts a client sends when it refuses the certificate the proxy presented. */
const REFUSED_CERTIFICATE = new Set([
  'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE',
  'ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN',
]);

/** What the client sent on the accepted socket under the TLS socket. */
function bytesFromClient(socket: tls.TLSSocket): number | undefined {
  return (socket as { _parent?: net.Socket })._parent?.bytesRead;
}

/** The address the client connected to, from the TLS socket or the accepted socket under it. */
function localAddress(socket: tls.TLSSocket): string | undefined {
  for (const candidate of [socket, (socket as { _parent?: net.Socket })._parent]) {
    if (candidate?.localAddress !== undefined) return candidate.localAddress;
  }
  return undefined;
}

/**
 * A client that sent plain HTTP gets a plain HTTP 400 saying to use https://, as nginx and Go's
 * servers answer, rather than a connection closed without a word (curl: "Empty reply from server").
 */
function answerPlainHttp(socket: tls.TLSSocket): void {
  const plain = (socket as { _parent?: net.Socket })._parent;
  if (!plain?.writable) return void socket.destroy();
  const host = plain.localFamily === 'IPv6' ? `[${plain.localAddress}]` : plain.localAddress;
  const body = `faultline: this port terminates TLS and the client sent plain HTTP: use https://${host}:${plain.localPort}/\n`;
  const head = `HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n`;
  plain.once('error', () => socket.destroy());
  plain.end(head + body, () => socket.destroy());
}

/**
 * The client's address, from the TLS socket or, once that has closed, from the accepted socket
 * under it (`_parent`, which read it on accept). A client gone before either did is unnamed.
 */
function clientAddress(socket: tls.TLSSocket): string {
  for (const candidate of [socket, (socket as { _parent?: net.Socket })._parent]) {
    if (candidate?.remoteAddress !== undefined) return `${candidate.remoteAddress}:${candidate.remotePort}`;
  }
  return 'a client that had gone';
}

/**
 * Reads a client's decrypted socket into `reader` and pauses it, as the proxy's listener pauses
 * the connections it accepts: the proxy resumes it once the connection is linked. Records Node
 * had already decrypted when it paused wait in the reader.
 */
export function adoptSecure(socket: tls.TLSSocket, reader: RecordReader): tls.TLSSocket {
  if (!readInto(socket, reader.options)) return feedReader(socket, reader);
  socket.pause();
  return socket;
}

/**
 * Connects to an upstream over TLS, reading into `reader`; 'secureConnect' means it is open. The
 * TCP connection is opened here and handed to tls.connect, which keeps it as the TLS socket's
 * `_parent`: a reset toxic resets it (resetConnection), and the upstream sees ECONNRESET, as under
 * a TLS session the proxy accepted. A TLS socket that opens its own TCP connection keeps it out of
 * reach, and could only be closed (a FIN).
 */
export function connectSecure(
  host: string,
  port: number,
  options: tls.ConnectionOptions,
  reader: RecordReader,
): tls.TLSSocket {
  const tcp = net.connect({ host, port, noDelay: true });
  // tls.connect ignores `onread` for a socket it is given: the reader is attached as on accept.
  const socket = tls.connect({ ...options, host, port, socket: tcp });
  if (!readInto(socket, reader.options)) feedReader(socket, reader);
  return socket;
}
