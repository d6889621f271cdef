import type { ServerResponse } from 'node:http';

/**
 * Dribbles the response body out at `bytesPerSecond`, whatever the handler writes: chunks are
 * queued and sent a tenth of a second's worth at a time; the last piece goes out with end().
 * When `release` aborts (the fault was taken away), what is queued goes out at once and the
 * response writes at full speed again.
 */
export function slowDown(response: ServerResponse, bytesPerSecond: number, release?: AbortSignal): void {
  const originals = { write: response.write, end: response.end };
  const write = originals.write.bind(response) as (chunk: Buffer) => boolean;
  const end = originals.end.bind(response) as (chunk?: Buffer) => ServerResponse;
  const slice = Math.max(1, Math.round(bytesPerSecond / 10));
  let pending = Buffer.alloc(0);
  let ending = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const pump = () => {
    timer = undefined;
    const piece = pending.subarray(0, slice);
    pending = pending.subarray(piece.length);
    if (ending && pending.length === 0) {
      release?.removeEventListener('abort', letGo);
      return void end(piece);
    }
    if (piece.length > 0) write(piece);
    if (pending.length > 0 || ending) timer = setTimeout(pump, 100);
  };
  const queue = (chunk: unknown, encoding: unknown) => {
    if (chunk !== undefined && chunk !== null && typeof chunk !== 'function') {
      const bytes = Buffer.isBuffer(chunk)
        ? chunk
        : Buffer.from(String(chunk), typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
      pending = Buffer.concat([pending, bytes]);
    }
    timer ??= setTimeout(pump, 100);
  };
  function letGo(): void {
    clearTimeout(timer);
    Object.assign(response, originals);
    const rest = pending;
    pending = Buffer.alloc(0);
    if (ending) end(rest);
    else if (rest.length > 0) write(rest);
  }
  if (release?.aborted) return;
  release?.addEventListener('abort', letGo, { once: true });
  response.removeHeader('Content-Length');
  (response as { write: unknown }).write = (chunk: unknown, encoding?: unknown) => {
    queue(chunk, encoding);
    return true;
  };
  (response as { end: unknown }).end = (chunk?: unknown, encoding?: unknown) => {
    ending = true;
    queue(chunk, encoding);
    return response;
  };
}
