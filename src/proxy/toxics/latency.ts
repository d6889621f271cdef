import type { ToxicImplementation } from '../toxic-behaviour.js';

/**
 * Each chunk leaves `latency ± jitter` ms after it arrived, so chunks queued behind a slow one
 * do not add up. The chunk's time moves forward by the wait, so stacked latency toxics add.
 */
export const latency: ToxicImplementation = {
  bufferBytes: 32 * 1024 * 1024,
  create: (context) => ({
    async chunk(chunk) {
      const { latency: base = 0, jitter = 0 } = context.attributes;
      const delay = jitter > 0 ? base + context.random.int(-jitter, jitter) : base;
      // A chunk that waited its delay already (a busy loop) leaves now, delayed all the same.
      if (delay > 0) context.acted('delay');
      const wait = delay - (context.clock.now() - chunk.time);
      if (wait > 0) {
        await context.clock.sleep(wait, context.signal);
        if (!context.signal.aborted) chunk.time += wait;
      }
      context.push(chunk);
    },
  }),
};
