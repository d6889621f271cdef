import type { ServerResponse } from 'node:http';

/**
 * Dribbles the response body out at `bytesPerSecond`, whatever the handler writes: chunks are
 * queued and sent a tenth of a second's worth at a time; the last piece goes out with end().
 */
export function slowDown(response: ServerResponse, bytesPerSecond: number): void {
  const write = response.write.bind(response) as (chunk: Buffer) => boolean;
  const end = response.end.bind(response) as (chunk?: Buffer) => ServerResponse;
  const slice = Math.max(1, Math.round(bytesPerSecond / 10));
  let pending = Buffer.alloc(0);
  let ending = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const pump = () => {
    timer = undefined;
    const piece = pending.subarray(0, slice);
    pending = pending.subarray(piece.length);
    if (ending && pending.length === 0) return void end(piece);
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
