import net from 'node:net';
import type { Duplex } from 'node:stream';

/**
 * Passes an end of stream on to `destination`. A plain TCP socket whose own reading side has
 * already ended (its peer's FIN was read, after every byte before it) and which holds no write
 * of ours is closed at once: with nothing left to read or write, close() sends the same FIN that
 * shutdown() would, and it runs now, where Node's end() runs the shutdown on the event loop's
 * next turn and closes on the turn after. On every short connection this is the last hop before
 * the client sees its FIN. A socket that still reads or still writes ends
 * half-way, as does a TLS socket (its close_notify goes first) or an in-process end.
 * Returns whether it closed the socket.
 */
export function finishWriting(destination: Duplex): boolean {
  if (
    destination instanceof net.Socket &&
    (destination as net.Socket & { encrypted?: boolean }).encrypted !== true &&
    destination.readableEnded &&
    destination.writableLength === 0
  ) {
    destination.destroy();
    return true;
  }
  destination.end();
  return false;
}

const NOTHING = Buffer.alloc(0);

/**
 * Calls `then` once `destination` has handed every write to the kernel (or has closed), so that
 * a reset that follows does not throw away bytes that were already on their way. An empty
 * write's callback comes after the writes before it: "drain" would come only after a write that
 * filled the buffer.
 */
export function afterWrites(destination: Duplex, then: () => void): void {
  if (destination.destroyed || destination.writableLength === 0) {
    then();
    return;
  }
  if (!destination.writableEnded) {
    destination.write(NOTHING, () => then());
    return;
  }
  let called = false;
  const once = () => {
    if (called) return;
    called = true;
    then();
  };
  destination.once('finish', once);
  destination.once('close', once);
}
