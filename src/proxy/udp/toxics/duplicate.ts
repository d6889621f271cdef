import { PER_MILLION } from '../../../model/toxics/corrupt.js';
import { createCorrelatedChance } from '../correlated.js';
import type { DatagramToxic } from '../datagram.js';

/** Sends a chosen datagram twice; the copy has its own bytes, so a later toxic may change one only. */
export const duplicate: DatagramToxic = {
  create: (context) => {
    const chosen = createCorrelatedChance(context.random);
    return {
      datagram(datagram) {
        context.push(datagram);
        const { probability = 0, correlation = 0 } = context.attributes;
        if (!chosen(probability / PER_MILLION, correlation / PER_MILLION)) return;
        context.acted('duplicate');
        context.push({ data: Buffer.from(datagram.data), time: datagram.time });
      },
    };
  },
};
