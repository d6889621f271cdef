import type { ToxicImplementation } from '../toxic-behaviour.js';
import { createPacer } from './pacer.js';

/**
 * Paces bytes to `rate` KB/s (= bytes per ms) on a virtual schedule (see pacer.ts), so waits
 * shorter than a timer tick and late timers carry over instead of being lost. A chunk bigger
 * than 100 ms of data goes out in 100 ms pieces. Rate 0 holds everything until the toxic is
 * interrupted.
 */
export const bandwidth: ToxicImplementation = {
  bufferBytes: 4 * 1024 * 1024,
  create: (context) => {
    const pacer = createPacer(context.clock, 10);
    return {
      async chunk(chunk) {
        const rate = context.attributes.rate ?? 0;
        context.acted(rate === 0 ? 'stall' : 'throttle');
        if (rate === 0) {
          await context.clock.sleep(Number.POSITIVE_INFINITY, context.signal);
          return context.push(chunk);
        }
        const pieceSize = Math.max(1, rate * 100);
        for (let offset = 0; offset < chunk.data.length; offset += pieceSize) {
          const piece = chunk.data.subarray(offset, offset + pieceSize);
          const wait = pacer.step(piece.length / rate);
          if (wait >= 1) await context.clock.sleep(wait, context.signal);
          else {
            const ready = context.ready();
            if (ready) await ready;
          }
          if (context.signal.aborted) {
            return context.push({ data: chunk.data.subarray(offset), time: chunk.time });
          }
          context.push({ data: piece, time: chunk.time });
        }
      },
    };
  },
};
