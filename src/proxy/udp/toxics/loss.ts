import { PER_MILLION } from '../../../model/toxics/corrupt.js';
import type { DatagramToxic } from '../datagram.js';

/**
 * Random loss with correlation c kept as a two-state chain: after a drop the chance is
 * p + c(1 - p), after a delivery p(1 - c). Its long-run rate is exactly p and bursts average
 * 1 / (1 - p - c(1 - p)) datagrams (netem's correlation formula lowers the rate instead).
 * With `to_bad` set, the Gilbert-Elliott model: the state moves first, then the state's loss
 * chance decides.
 */
export const loss: DatagramToxic = {
  create: (context) => {
    let lastLost = false;
    let bad = false;
    const chance = (ppm: number) => context.random.next() < ppm / PER_MILLION;
    return {
      datagram(datagram) {
        const a = context.attributes;
        let lost: boolean;
        if ((a.to_bad ?? 0) > 0) {
          bad = bad ? !chance(a.to_good ?? 0) : chance(a.to_bad ?? 0);
          lost = chance(bad ? (a.bad_loss ?? PER_MILLION) : (a.good_loss ?? 0));
        } else {
          const p = (a.probability ?? 0) / PER_MILLION;
          const c = (a.correlation ?? 0) / PER_MILLION;
          lost = context.random.next() < (lastLost ? p + c * (1 - p) : p * (1 - c));
        }
        lastLost = lost;
        if (!lost) return context.push(datagram);
        context.acted('drop');
        context.drop();
      },
    };
  },
};
