import { PER_MILLION } from '../../../model/toxics/corrupt.js';
import { HELD_DATAGRAMS_DEFAULT } from '../../../model/toxics/definition.js';
import { createHeldDatagrams, dropDatagram } from './held-datagrams.js';
import { createCorrelatedChance } from '../correlated.js';
import type { DatagramToxic } from '../datagram.js';

/**
 * netem's reordering: each datagram waits `latency` ms from its arrival, except a chosen one,
 * which goes at once and overtakes those waiting. After one is chosen, the next `gap - 1` wait
 * whatever the chance says; from the gap-th on, each is chosen with `probability`.
 */
export const reorder: DatagramToxic = {
  create: (context) => {
    const held = createHeldDatagrams(context);
    const chosen = createCorrelatedChance(context.random);
    let sinceChosen = 0;
    return {
      datagram(datagram) {
        const {
          probability = 0,
          correlation = 0,
          gap = 1,
          latency = 0,
          limit = HELD_DATAGRAMS_DEFAULT,
        } = context.attributes;
        if (sinceChosen >= gap - 1 && chosen(probability / PER_MILLION, correlation / PER_MILLION)) {
          sinceChosen = 0;
          context.acted('reorder');
          return context.push(datagram);
        }
        sinceChosen += 1;
        const wait = latency - (context.clock.now() - datagram.time);
        if (wait <= 0) return context.push(datagram);
        if (!held.hold(datagram, wait, limit)) dropDatagram(context);
      },
      flush: held.flush,
    };
  },
};
