import { PER_MILLION } from '../../../model/toxics/corrupt.js';
import type { Datagram, DatagramToxic } from '../datagram.js';

/** Holds one chosen datagram at a time until `gap` later ones have passed it, or `max_hold` ms. */
export const reorder: DatagramToxic = {
  create: (context) => {
    let held: Datagram | undefined;
    let passed = 0;
    const release = () => {
      const datagram = held;
      held = undefined;
      if (datagram) context.push(datagram);
    };
    return {
      datagram(datagram) {
        const { probability = 0, gap = 1, max_hold: maxHold = 100 } = context.attributes;
        if (held) {
          context.push(datagram);
          passed += 1;
          if (passed >= gap) release();
          return;
        }
        if (context.random.next() >= probability / PER_MILLION) return context.push(datagram);
        context.acted('reorder');
        held = datagram;
        passed = 0;
        void context.clock.sleep(maxHold, context.signal).then(() => {
          if (held === datagram) release();
        });
      },
      flush: release,
    };
  },
};
