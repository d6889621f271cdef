/** A 204 or 304 answer has no body (RFC 9110 §6.4.1); one the proxy makes announces no length either. */
export function isBodiless(status: number): boolean {
  return status === 204 || status === 304;
}

/**
 * undici fails an answer whose body falls short of its Content-Length, and says so also for a
 * 304 or 204, which have no body: a 304 may carry the length its 200 would have had (RFC 9110
 * §8.6), as ASP.NET and others send it. Such an answer is whole, not cut.
 */
export function isBodilessLength(status: number, bodyBytes: number, error: unknown): boolean {
  return (
    isBodiless(status) &&
    bodyBytes === 0 &&
    (error as NodeJS.ErrnoException | undefined)?.code === 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH'
  );
}

/** An upstream body that ends where undici would fail a bodiless answer for its Content-Length. */
export async function* bodyOf(status: number, body: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  let bodyBytes = 0;
  try {
    for await (const chunk of body) {
      bodyBytes += chunk.length;
      yield chunk;
    }
  } catch (error) {
    if (!isBodilessLength(status, bodyBytes, error)) throw error;
  }
}
