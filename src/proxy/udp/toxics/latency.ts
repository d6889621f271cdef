import { PER_MILLION } from '../../../model/toxics/corrupt.js';
import type { Datagram, DatagramToxic } from '../datagram.js';

/**
 * Each datagram leaves `latency ± jitter` ms after it arrived. With correlation c, the random
 * part follows netem's formula: next = c · previous + (1 - c) · fresh. Datagrams are scheduled
 * independently, so with jitter a later one may overtake an earlier one, as with netem.
 */
export const latency: DatagramToxic = {
  create: (context) => {
    const held = new Set<Datagram>();
    let previous: number | undefined;
    return {
      datagram(datagram) {
        const { latency: base = 0, jitter = 0, correlation = 0 } = context.attributes;
        let delay = base;
        if (jitter > 0) {
          const weight = correlation / PER_MILLION;
          const fresh = context.random.next();
          previous = previous === undefined ? fresh : weight * previous + (1 - weight) * fresh;
          delay += (2 * previous - 1) * jitter;
        }
        const wait = delay - (context.clock.now() - datagram.time);
        if (wait <= 0) return context.push(datagram);
        context.acted('delay');
        held.add(datagram);
        void context.clock.sleep(wait, context.signal).then(() => {
          if (!held.delete(datagram)) return;
          datagram.time += wait;
          context.push(datagram);
        });
      },
      flush() {
        const waiting = [...held];
        held.clear();
        for (const datagram of waiting) context.push(datagram);
      },
    };
  },
};
