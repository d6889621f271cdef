import type { ServerResponse } from 'node:http';

type Done = (error?: Error | null) => void;

/**
 * Dribbles the response body out at `bytesPerSecond`, whatever the handler writes: chunks are
 * queued and sent a tenth of a second's worth at a time; the last piece goes out with end().
 * The handler sees a slow client: write() returns false while more than the response's
 * high-water mark is queued ('drain' follows), and the callbacks of write() and end() are called
 * once their bytes have gone out. When `release` aborts (the fault was taken away), what is
 * queued goes out at once and the response writes at full speed again. When the client goes away
 * first, the dribbling stops: what is queued is dropped, and the write() callbacks still waiting
 * get the error a write to a closed response gets.
 */
export function slowDown(response: ServerResponse, bytesPerSecond: number, release?: AbortSignal): void {
  const originals = { write: response.write, end: response.end };
  const write = originals.write.bind(response) as (chunk: Buffer, done?: Done) => boolean;
  const end = originals.end.bind(response) as (chunk?: Buffer, done?: () => void) => ServerResponse;
  const slice = Math.max(1, Math.round(bytesPerSecond / 10));
  const highWaterMark = response.writableHighWaterMark ?? 16 * 1024;
  let pending = Buffer.alloc(0);
  let queued = 0;
  let sent = 0;
  /** The write() callbacks, each due once the bytes up to `at` have been written. */
  let waiting: Array<{ at: number; done: Done }> = [];
  let ended: (() => void) | undefined;
  let ending = false;
  let full = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  /** The callbacks whose bytes are all in what has been handed on, as one callback. */
  const due = (): Done | undefined => {
    const ready = waiting.filter(({ at }) => at <= sent);
    if (ready.length === 0) return undefined;
    waiting = waiting.filter(({ at }) => at > sent);
    return (error) => ready.forEach(({ done }) => done(error));
  };
  const handOn = (piece: Buffer) => {
    sent += piece.length;
    const done = due();
    if (piece.length > 0) write(piece, done);
    else if (done) process.nextTick(done);
  };
  /** The last piece; a write() callback still due is called first, as before 'finish'. */
  const finish = (piece: Buffer) => {
    if (waiting.length === 0) return void end(piece, ended);
    handOn(piece);
    end(undefined, ended);
  };
  const pump = () => {
    timer = undefined;
    const piece = pending.subarray(0, slice);
    pending = pending.subarray(piece.length);
    if (ending && pending.length === 0) {
      release?.removeEventListener('abort', letGo);
      return finish(piece);
    }
    handOn(piece);
    if (full && pending.length < highWaterMark) {
      full = false;
      response.emit('drain');
    }
    if (pending.length > 0 || ending) timer = setTimeout(pump, 100);
  };
  const queue = (chunk: unknown, encoding: unknown, done: unknown) => {
    if (chunk !== undefined && chunk !== null && typeof chunk !== 'function') {
      const bytes = Buffer.isBuffer(chunk)
        ? chunk
        : Buffer.from(String(chunk), typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
      pending = Buffer.concat([pending, bytes]);
      queued += bytes.length;
    }
    const callback = [chunk, encoding, done].find((value) => typeof value === 'function') as Done | undefined;
    timer ??= setTimeout(pump, 100);
    return callback;
  };
  function letGo(): void {
    clearTimeout(timer);
    Object.assign(response, originals);
    const rest = pending;
    pending = Buffer.alloc(0);
    if (ending) finish(rest);
    else handOn(rest);
    if (full) response.emit('drain');
  }
  /** The client went away: nothing more can be sent, so no timer is left dribbling to nobody. */
  function stop(): void {
    clearTimeout(timer);
    timer = undefined;
    release?.removeEventListener('abort', letGo);
    Object.assign(response, originals);
    const rest = pending;
    pending = Buffer.alloc(0);
    if (rest.length > 0) handOn(rest);
  }
  if (release?.aborted || response.destroyed) return;
  release?.addEventListener('abort', letGo, { once: true });
  response.once('close', stop);
  response.removeHeader('Content-Length');
  (response as { write: unknown }).write = (chunk: unknown, encoding?: unknown, done?: unknown) => {
    const callback = queue(chunk, encoding, done);
    if (callback) waiting.push({ at: queued, done: callback });
    full = pending.length >= highWaterMark;
    return !full;
  };
  (response as { end: unknown }).end = (chunk?: unknown, encoding?: unknown, done?: unknown) => {
    ending = true;
    const callback = queue(chunk, encoding, done);
    if (callback) ended = () => callback();
    return response;
  };
}
