import net from 'node:net';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';

/** What can be reset: a socket, or one end of an in-process connection (MemorySocket). */
type Resettable = Duplex & { resetAndDestroy(): unknown };

/**
 * Resets a connection with a TCP RST, so the peer sees ECONNRESET. A TLS socket has no TCP handle
 * of its own, and Node's `resetAndDestroy()` throws ERR_INVALID_HANDLE_TYPE on it, which took the
 * whole server down: the TCP connection under it (`_parent`: a client's, accepted, or an upstream's,
 * which connectSecure opens before it starts TLS) is reset instead, and the TLS socket destroyed
 * once it has closed. A TLS socket that opened its own TCP connection has none to reset: it is
 * destroyed, which its peer sees as the connection closing (a FIN).
 */
export function resetConnection(socket: Resettable): void {
  if (!(socket instanceof tls.TLSSocket)) {
    socket.resetAndDestroy();
    return;
  }
  const tcp = (socket as { _parent?: unknown })._parent;
  if (tcp instanceof net.Socket && !tcp.destroyed) {
    // Destroyed first, or together, the TLS socket outlives its reads into a closed handle,
    // which crashed the process.
    tcp.once('close', () => socket.destroy());
    tcp.resetAndDestroy();
    return;
  }
  socket.destroy();
}
