import { createPacer } from '../../toxics/pacer.js';
import type { IntegerAttributes } from '../../../model/toxics/index.js';
import type { Datagram, DatagramToxic } from '../datagram.js';
import { dropDatagram } from './held-datagrams.js';

/**
 * The bytes a datagram counts for, as netem's rate counts them: its length plus
 * `packet_overhead`, then, with `cell_size`, rounded up to whole cells of `cell_size +
 * cell_overhead` bytes each.
 */
export function timedBytes(length: number, a: IntegerAttributes): number {
  const bytes = length + (a.packet_overhead ?? 0);
  const cell = a.cell_size ?? 0;
  if (cell === 0) return Math.max(0, bytes);
  return Math.max(0, Math.ceil(bytes / cell) * (cell + (a.cell_overhead ?? 0)));
}

/**
 * Sends datagrams at `rate` KB/s (counted with `timedBytes`) (= bytes per ms) on a virtual schedule; while one waits for its
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
        const wait = pacer.step(
          timedBytes(datagram.data.length, context.attributes) / (context.attributes.rate ?? 1),
        );
        if (wait >= 1) await context.clock.sleep(wait, signal);
        if (mine !== run) return;
        waiting.shift();
        context.budget.release(datagram.data.length);
        context.push(datagram);
      }
      running = false;
    };
    return {
      datagram(datagram) {
        if (waiting.length > (context.attributes.queue ?? 0) || context.budget.full)
          return dropDatagram(context);
        context.acted('throttle');
        context.budget.take(datagram.data.length);
        waiting.push(datagram);
        if (!running) void send(run);
      },
      flush() {
        run += 1;
        running = false;
        const held = waiting;
        waiting = [];
        for (const datagram of held) {
          context.budget.release(datagram.data.length);
          context.push(datagram);
        }
      },
    };
  },
};
