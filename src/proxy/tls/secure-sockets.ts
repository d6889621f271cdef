import type net from 'node:net';
import tls from 'node:tls';
import type { SocketReader } from '../socket-reader.js';
import type { ServerTls } from './proxy-tls.js';

/** A client that opens a connection and never finishes its handshake is dropped after this long. */
const HANDSHAKE_TIMEOUT_MS = 10_000;

/**
 * Terminates TLS on an accepted connection. `secured` gets the decrypted socket once the
 * handshake is done, with `reader` fed from it; `failed` gets a short reason code and a sentence.
 */
export function acceptSecure(
  accepted: net.Socket,
  settings: ServerTls,
  reader: SocketReader,
  secured: (socket: tls.TLSSocket) => void,
  failed: (code: string, message: string) => void,
): void {
  const socket = new tls.TLSSocket(accepted, {
    isServer: true,
    secureContext: settings.context,
    ...(settings.alpn.length === 0 ? {} : { ALPNProtocols: [...settings.alpn] }),
  });
  const timer = setTimeout(() => socket.destroy(timeoutError()), HANDSHAKE_TIMEOUT_MS);
  const onError = (error: NodeJS.ErrnoException) => {
    clearTimeout(timer);
    failed(error.code ?? 'ERR_TLS_HANDSHAKE', error.message);
    socket.destroy();
  };
  socket.once('error', onError);
  socket.once('secure', () => {
    clearTimeout(timer);
    socket.off('error', onError);
    socket.pause();
    socket.setNoDelay(true);
    feed(socket, reader);
    secured(socket);
  });
  accepted.resume();
}

/** Connects to an upstream over TLS, reading into `reader`; 'secureConnect' means it is open. */
export function connectSecure(
  host: string,
  port: number,
  options: tls.ConnectionOptions,
  reader: SocketReader,
): tls.TLSSocket {
  const socket = tls.connect({ ...options, host, port });
  socket.setNoDelay(true);
  feed(socket, reader);
  return socket;
}

function feed(socket: tls.TLSSocket, reader: SocketReader): void {
  socket.on('data', (chunk: Buffer) => reader.onData(chunk));
}

function timeoutError(): NodeJS.ErrnoException {
  return Object.assign(new Error(`no TLS handshake within ${HANDSHAKE_TIMEOUT_MS / 1000} s`), {
    code: 'ETIMEDOUT',
  });
}
