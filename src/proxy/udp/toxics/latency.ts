import { PER_MILLION } from '../../../model/toxics/corrupt.js';
import { HELD_DATAGRAMS_DEFAULT } from '../../../model/toxics/definition.js';
import { createHeldDatagrams, dropDatagram } from './held-datagrams.js';
import { createCorrelatedUniform } from '../correlated.js';
import type { DatagramToxic } from '../datagram.js';
import { type JitterDistribution, jitterShapes } from '../distributions.js';

/**
 * Each datagram leaves `latency + jitter · shape(u)` ms after it arrived, where u is netem's
 * correlated uniform value (c · previous + (1 - c) · fresh) and the shape is the chosen
 * distribution's. Datagrams are scheduled independently, so with jitter a later one may overtake
 * an earlier one, as with netem; a delay below 0 sends at once.
 */
export const latency: DatagramToxic = {
  create: (context) => {
    const held = createHeldDatagrams(context);
    const uniform = createCorrelatedUniform(context.random);
    return {
      datagram(datagram) {
        const {
          latency: base = 0,
          jitter = 0,
          correlation = 0,
          limit = HELD_DATAGRAMS_DEFAULT,
        } = context.attributes;
        let delay = base;
        if (jitter > 0) {
          const { distribution } = context.attributes as Readonly<Record<string, unknown>>;
          const shape = jitterShapes[distribution as JitterDistribution] ?? jitterShapes.uniform;
          delay += jitter * shape(uniform(correlation / PER_MILLION));
        }
        if (delay <= 0) return context.push(datagram);
        const wait = delay - (context.clock.now() - datagram.time);
        if (wait > 0 && !held.hold(datagram, wait, limit)) return dropDatagram(context);
        // One that waited its delay already (a busy loop) leaves now, delayed all the same.
        context.acted('delay');
        if (wait <= 0) context.push(datagram);
      },
      flush: held.flush,
    };
  },
};
