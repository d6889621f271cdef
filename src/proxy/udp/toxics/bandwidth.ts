import { createPacer } from '../../toxics/pacer.js';
import type { Datagram, DatagramToxic } from '../datagram.js';

/**
 * Sends datagrams at `rate` KB/s (= bytes per ms) on a virtual schedule; while one waits for its
 * turn, up to `queue` more wait behind it, and any beyond that are dropped and counted.
 */
export const bandwidth: DatagramToxic = {
  create: (context) => {
    const pacer = createPacer(context.clock, 10);
    let waiting: Datagram[] = [];
    let run = 0;
    let running = false;
    const send = async (mine: number) => {
      running = true;
      const signal = context.signal;
      while (mine === run && waiting.length > 0) {
        const datagram = waiting[0]!;
        const wait = pacer.step(datagram.data.length / (context.attributes.rate ?? 1));
        if (wait >= 1) await context.clock.sleep(wait, signal);
        if (mine !== run) return;
        waiting.shift();
        context.push(datagram);
      }
      running = false;
    };
    return {
      datagram(datagram) {
        if (waiting.length > (context.attributes.queue ?? 0)) {
          context.acted('drop');
          context.drop();
          return;
        }
        context.acted('throttle');
        waiting.push(datagram);
        if (!running) void send(run);
      },
      flush() {
        run += 1;
        running = false;
        const held = waiting;
        waiting = [];
        for (const datagram of held) context.push(datagram);
      },
    };
  },
};
