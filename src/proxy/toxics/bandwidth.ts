import type { ToxicImplementation } from '../toxic-behaviour.js';
import type { Chunk } from '../chunk.js';
import { createPacer } from './pacer.js';

type Pacer = ReturnType<typeof createPacer>;

/** Toxiproxy reads a connection in pieces of at most this (io.Copy's buffer). */
export const GO_READ_BYTES = 32 * 1024;

/**
 * A read that filled its buffer left bytes waiting in the socket, which a Go read of 32 KiB would
 * have taken with it; the next read, if it comes within this long, holds them.
 */
const NEXT_READ_WITHIN_MS = 50;

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
 *
 * Toxiproxy's toxic works on one read of the connection at a time, at most 32 KiB (Go's io.Copy
 * buffer), and when an update or removal interrupts it, it sends what is left of that read on at
 * once; what waits behind it is paced at the new rate. faultline reads in other sizes (2 KiB
 * first, up to 256 KiB), so this toxic takes its data in Go-sized reads: a bigger chunk is cut at
 * 32 KiB, and when interrupted it releases the rest of its read topped up, up to 32 KiB, with
 * the reads that followed it while the socket still had bytes waiting, as one Go read held them.
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
    /** Interrupted: what is left of the read goes on at once, with what came in the same read. */
    const releaseHeld = (read: Chunk, offset: number): void => {
      let previous = read;
      const companions = context.takeQueued(GO_READ_BYTES - read.data.length, (next) => {
        const joins = previous.readFilled === true && next.time - previous.time <= NEXT_READ_WITHIN_MS;
        previous = next;
        return joins;
      });
      const data = companions.length
        ? Buffer.concat([read.data.subarray(offset), ...companions])
        : read.data.subarray(offset);
      context.push({ data, time: read.time });
    };
    return {
      async chunk(whole) {
        const read = goRead(whole, context.putBack);
        const rate = context.attributes.rate ?? 0;
        const pacer = schedule();
        context.acted(rate === 0 ? 'stall' : 'throttle');
        if (rate === 0) {
          await context.clock.sleep(Number.POSITIVE_INFINITY, context.signal);
          return releaseHeld(read, 0);
        }
        const pieceSize = Math.max(1, rate * 100);
        for (let offset = 0; offset < read.data.length; offset += pieceSize) {
          const piece = read.data.subarray(offset, offset + pieceSize);
          const wait = pacer.step(piece.length / rate);
          if (wait >= 1) await context.clock.sleep(wait, context.signal);
          else {
            const ready = context.ready();
            if (ready) await ready;
          }
          if (context.signal.aborted) return releaseHeld(read, offset);
          context.push({ data: piece, time: read.time });
        }
      },
    };
  },
};

/**
 * The first Go-sized read of `chunk`; the rest goes back to the queue, to be taken next. The rest
 * ends the same read, so it keeps whether that read filled its buffer (more bytes were waiting).
 */
function goRead(chunk: Chunk, putBack: (rest: Chunk) => void): Chunk {
  if (chunk.data.length <= GO_READ_BYTES) return chunk;
  putBack({ ...chunk, data: chunk.data.subarray(GO_READ_BYTES) });
  return { data: chunk.data.subarray(0, GO_READ_BYTES), time: chunk.time };
}
