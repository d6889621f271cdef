import type { ToxicImplementation } from '../toxic-behaviour.js';
import { createPacer } from './pacer.js';

/** A wake-up later than this is not caught up: the pieces after it keep their full gap. */
export const SLICER_CATCH_UP_MS = 10;

/**
 * Cuts each chunk into consecutive pieces of average_size ± size_variation bytes, with `delay`
 * µs between pieces paced on a virtual schedule: sub-millisecond delays add up, and a timer that
 * wakes late (a millisecond or two on a loaded machine, which would otherwise add to every
 * piece) is made up on the next pieces. Each chunk starts the schedule afresh, so the time a
 * connection sat idle never comes out as a burst.
 * Toxiproxy halves chunks recursively, which makes pieces smaller than the average it is given.
 * Between pieces it waits while the destination is backed up and lets the event loop turn, so
 * 1-byte pieces on many connections neither fill memory nor starve the control API.
 */
export const slicer: ToxicImplementation = {
  create: (context) => {
    const pacer = createPacer(context.clock, SLICER_CATCH_UP_MS);
    return {
      async chunk(chunk) {
        const { average_size: average = 1, size_variation: variation = 0, delay = 0 } = context.attributes;
        context.acted('slice');
        pacer.restart();
        let offset = 0;
        while (offset < chunk.data.length) {
          const size = variation > 0 ? average + context.random.int(-variation, variation) : average;
          context.push({ data: chunk.data.subarray(offset, offset + size), time: chunk.time });
          offset += size;
          if (offset >= chunk.data.length) break;
          if (delay > 0) {
            const wait = pacer.step(delay / 1000);
            if (wait >= 1) await context.clock.sleep(wait, context.signal);
          }
          const ready = context.ready();
          if (ready) await ready;
          if (context.signal.aborted) {
            return context.push({ data: chunk.data.subarray(offset), time: chunk.time });
          }
        }
      },
    };
  },
};
