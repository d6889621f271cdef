import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { buildConnector } from 'undici';
import { isTlsError } from '../tls/tls-errors.js';

const PROBE_TIMEOUT_MS = 2000;
/** How long one probe's answer stands for the failures that follow (an upstream may be fixed). */
const DIAGNOSIS_KEPT_MS = 10_000;

/**
 * undici's TLS connector, able to say why an upstream closed a connection it had just
 * accepted. A TLS 1.3 upstream that requires a client certificate refuses after the handshake:
 * undici, reading on demand, sees the connection end and reports "other side closed"
 * (UND_ERR_SOCKET) without the alert. One handshake of its own, read at once, gets the alert;
 * its answer stands for the failures of the next ten seconds, so a failing upstream is probed
 * at most once in that time.
 */
export function tlsConnector(options: ConnectionOptions): {
  connect: buildConnector.connector;
  /** The upstream's TLS refusal behind an UND_ERR_SOCKET that read nothing, if there is one. */
  tlsErrorOf(error: Error & { socket?: { bytesRead?: number } }): Promise<Error | undefined>;
} {
  const connector = buildConnector(options as buildConnector.BuildOptions);
  let target: { host: string; port: number; servername?: string } | undefined;
  let diagnosis: { at: number; error: Promise<Error | undefined> } | undefined;
  const connect: buildConnector.connector = (connectOptions, callback) => {
    // undici names the server after the client's Host header; the upstream is checked against
    // upstream_tls.servername, or its own address when that is not set.
    const upstreamOptions = { ...connectOptions };
    delete upstreamOptions.servername;
    if (options.servername) upstreamOptions.servername = options.servername;
    target = { host: connectOptions.hostname, port: Number(connectOptions.port) };
    connector(upstreamOptions, callback);
  };
  return {
    connect,
    tlsErrorOf(error) {
      if (!target || error.socket?.bytesRead !== 0) return Promise.resolve(undefined);
      const now = performance.now();
      if (!diagnosis || now - diagnosis.at > DIAGNOSIS_KEPT_MS) {
        diagnosis = { at: now, error: handshakeError({ ...options, ...target }) };
      }
      return diagnosis.error;
    },
  };
}

function handshakeError(options: ConnectionOptions): Promise<Error | undefined> {
  return new Promise((resolve) => {
    const socket = tlsConnect(options);
    const timer = setTimeout(() => finish(undefined), PROBE_TIMEOUT_MS);
    socket.on('error', (error) => finish(isTlsError(error) ? error : undefined));
    socket.on('close', () => finish(undefined));
    socket.resume();
    function finish(error: Error | undefined) {
      clearTimeout(timer);
      socket.destroy();
      resolve(error);
    }
  });
}
