import type { Duplex } from 'node:stream';

const NOTHING: Buffer = Buffer.alloc(0);

/**
 * Reads a connection's first bytes until `classify` can tell what they are (it returns
 * undefined while it needs more; `ended` says no more will come), then puts them back, unread,
 * for whoever reads the connection next, and calls `decided`. The connection is left paused,
 * with the bytes in its buffer. One comparison on the first chunk decides in the usual case.
 * Bytes that leave it undecided for `patienceMs` (a client sending a preface or a request line
 * a byte now and then) are classified as if nothing more would come.
 */
export function readFirstBytes<T>(
  socket: Duplex,
  classify: (head: Buffer, ended: boolean) => T | undefined,
  decided: (verdict: T, head: Buffer) => void,
  patienceMs = Infinity,
): void {
  let head: Buffer = NOTHING;
  // Made only when a first chunk leaves the verdict open, which the usual connection never does.
  let patience: NodeJS.Timeout | undefined;
  const stop = () => {
    clearTimeout(patience);
    socket.off('data', onData).off('end', onEnd).off('close', stop);
  };
  const settle = (verdict: T) => {
    stop();
    socket.pause();
    socket.unshift(head);
    decided(verdict, head);
  };
  const onData = (chunk: Buffer) => {
    head = head.length === 0 ? chunk : Buffer.concat([head, chunk]);
    const verdict = classify(head, false);
    if (verdict !== undefined) return settle(verdict);
    if (patience === undefined && Number.isFinite(patienceMs))
      patience = setTimeout(() => settle(classify(head, true) as T), patienceMs).unref();
  };
  // After the end nothing can be put back: what came is all there is.
  const onEnd = () => {
    stop();
    decided(classify(head, true) as T, head);
  };
  socket.on('data', onData).once('end', onEnd).once('close', stop);
}
