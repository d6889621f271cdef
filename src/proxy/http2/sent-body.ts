import type { Readable, Writable } from 'node:stream';

/** The most of a request body kept to send again: a larger one's refused stream fails as before. */
export const MAX_RESENT_BYTES = 1024 * 1024;

/**
 * The part of a request body already sent upstream, kept until the upstream answers, so a
 * stream it refused unprocessed (REFUSED_STREAM, or past a GOAWAY's last stream) can be sent
 * again whole: RFC 9113 §8.7 says such a request is safe to retry, and gRPC clients do.
 */
export class SentBody {
  private chunks: Buffer[] | undefined = [];
  private size = 0;

  constructor(private readonly source: Readable) {
    source.on('data', this.keep);
  }

  get resendable(): boolean {
    return this.chunks !== undefined;
  }

  /** The upstream answered: nothing will be sent again. */
  forget(): void {
    this.chunks = undefined;
    this.source.off('data', this.keep);
  }

  /** Sends the body so far to `next` instead of `previous`, then the rest as it comes. */
  resend(previous: Writable, next: Writable): void {
    this.source.unpipe(previous);
    for (const chunk of this.chunks ?? []) next.write(chunk);
    if (this.source.readableEnded) next.end();
    else this.source.pipe(next);
  }

  private readonly keep = (chunk: Buffer): void => {
    this.chunks?.push(chunk);
    this.size += chunk.length;
    if (this.size > MAX_RESENT_BYTES) this.forget();
  };
}
