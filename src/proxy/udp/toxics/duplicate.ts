import { PER_MILLION } from '../../../model/toxics/corrupt.js';
import type { DatagramToxic } from '../datagram.js';

/** Sends a chosen datagram twice; the copy has its own bytes, so a later toxic may change one only. */
export const duplicate: DatagramToxic = {
  create: (context) => ({
    datagram(datagram) {
      context.push(datagram);
      if (context.random.next() >= (context.attributes.probability ?? 0) / PER_MILLION) return;
      context.acted('duplicate');
      context.push({ data: Buffer.from(datagram.data), time: datagram.time });
    },
  }),
};
