import { PER_MILLION } from '../../../model/toxics/corrupt.js';
import type { DatagramToxic } from '../datagram.js';

/**
 * As netem's corrupt: a datagram is picked with `probability`, and one bit at a random offset of
 * its payload flips (a received datagram is its own copy). netem's offset may land in the IP or
 * UDP header, where the receiver's checksum then drops the packet; here the payload changes and
 * arrives, which is what an application's own checks meet.
 */
export const corrupt: DatagramToxic = {
  create: (context) => ({
    datagram(datagram) {
      const { data } = datagram;
      const picked = context.random.next() < (context.attributes.probability ?? 0) / PER_MILLION;
      if (picked && data.length > 0) {
        const offset = context.random.int(0, data.length - 1);
        data[offset] = (data[offset] ?? 0) ^ (1 << context.random.int(0, 7));
        context.acted('corrupt');
      }
      context.push(datagram);
    },
  }),
};
