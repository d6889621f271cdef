import { PER_MILLION } from '../../../model/toxics/corrupt.js';
import { createBitFlipper } from '../../toxics/corrupt.js';
import type { DatagramToxic } from '../datagram.js';

/** Flips bits in datagrams with a probability per byte, as on tcp proxies (a received datagram is its own copy). */
export const corrupt: DatagramToxic = {
  create: (context) => {
    const flip = createBitFlipper(context.random);
    return {
      datagram(datagram) {
        if (flip(datagram.data, (context.attributes.probability ?? 0) / PER_MILLION) > 0)
          context.acted('corrupt');
        context.push(datagram);
      },
    };
  },
};
