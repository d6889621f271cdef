import type { ToxicImplementation } from '../toxic-behaviour.js';
import { createPacer } from './pacer.js';

type Pacer = ReturnType<typeof createPacer>;

/**
 * With scope "proxy", every connection books its bytes on one schedule (Toxiproxy #190: a browser's
 * six connections get the rate once, not six times). The key is the toxic's attributes object,
 * which all links of the proxy share and an update replaces, so an update starts a new schedule.
 */
const sharedPacers = new WeakMap<object, Pacer>();

/**
 * Paces bytes to `rate` KB/s (= bytes per ms) on a virtual schedule (see pacer.ts), so waits
 * shorter than a timer tick and late timers carry over instead of being lost. A chunk bigger
 * than 100 ms of data goes out in 100 ms pieces. Rate 0 holds everything until the toxic is
 * interrupted.
 */
export const bandwidth: ToxicImplementation = {
  bufferBytes: 4 * 1024 * 1024,
  create: (context) => {
    const own = createPacer(context.clock, 10);
    const schedule = (): Pacer => {
      if (context.choice('scope') !== 'proxy') return own;
      let shared = sharedPacers.get(context.attributes);
      if (!shared) {
        shared = createPacer(context.clock, 10);
        sharedPacers.set(context.attributes, shared);
      }
      return shared;
    };
    return {
      async chunk(chunk) {
        const rate = context.attributes.rate ?? 0;
        const pacer = schedule();
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
