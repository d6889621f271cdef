import net from 'node:net';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';

/** What can be reset: a socket, or one end of an in-process connection (MemorySocket). */
type Resettable = Duplex & { resetAndDestroy(): unknown };

/**
 * Resets a connection with a TCP RST, so the peer sees ECONNRESET. A TLS socket has no TCP handle
 * of its own, and Node's `resetAndDestroy()` throws ERR_INVALID_HANDLE_TYPE on it, which took the
 * whole server down: the TCP connection a TLS server socket wraps (a client's, accepted) is reset
 * instead, and the TLS socket destroyed once it has closed. A TLS socket that tls.connect opened
 * (an upstream with upstream_tls) keeps its TCP handle inside Node's TLSWrap, which cannot be
 * closed once that handle is reset: it is destroyed, which the upstream sees as the connection
 * closing (a FIN), not a reset.
 */
export function resetConnection(socket: Resettable): void {
  if (!(socket instanceof tls.TLSSocket)) {
    socket.resetAndDestroy();
    return;
  }
  const accepted = (socket as { _parent?: unknown })._parent;
  if (accepted instanceof net.Socket && !accepted.destroyed) {
    // Destroyed first, or together, the TLS socket outlives its reads into a closed handle,
    // which crashed the process.
    accepted.once('close', () => socket.destroy());
    accepted.resetAndDestroy();
    return;
  }
  socket.destroy();
}
