import { PER_MILLION } from '../../../model/toxics/corrupt.js';
import { lossModelOf } from '../../../model/toxics/udp-loss.js';
import type { RandomSource } from '../../../model/random.js';
import type { IntegerAttributes } from '../../../model/toxics/index.js';
import { createCorrelatedChance } from '../correlated.js';
import type { DatagramToxic } from '../datagram.js';

const share = (ppm: number) => ppm / PER_MILLION;

/**
 * netem's Gilbert-Elliott model (`loss gemodel p r 1-h 1-k`): a datagram is lost with the chance
 * of the state it finds (1-k when good, 1-h when bad), and the state moves on for the next one.
 * Like netem, the move is drawn before the loss. The first datagram finds the good state.
 */
function gilbertElliott(random: RandomSource) {
  let bad = false;
  return (a: IntegerAttributes) => {
    const toBad = a.to_bad ?? 0;
    const wasBad = bad;
    const move = random.next() < share(wasBad ? goodAgain(a) : toBad);
    if (move) bad = !wasBad;
    return random.next() < share(wasBad ? (a.bad_loss ?? PER_MILLION) : (a.good_loss ?? 0));
  };
}

/** r when set; netem's default, 1 - p, when not (0 would keep the bad state for ever). */
const goodAgain = (a: IntegerAttributes) => (a.to_good ?? 0) || PER_MILLION - (a.to_bad ?? 0);

const enum Phase {
  Received = 1,
  ReceivedInBurst = 2,
  LostInBurst = 3,
  LostAlone = 4,
}

/**
 * netem's 4-state Markov model (`loss state p13 p31 p32 p23 p14`): 1 received in a gap, 2
 * received within a burst, 3 lost in a burst, 4 lost alone. One draw per datagram moves the state;
 * the datagram is lost when the state it moves to is 3 or 4. The first datagram starts from 1.
 */
function fourState(random: RandomSource) {
  let phase: Phase = Phase.Received;
  return (a: IntegerAttributes) => {
    const draw = random.next() * PER_MILLION;
    const p13 = a.p13 ?? 0;
    const p14 = a.p14 ?? 0;
    const p31 = (a.p31 ?? 0) || PER_MILLION - p13;
    const p32 = a.p32 ?? 0;
    switch (phase) {
      case Phase.Received:
        phase = draw < p14 ? Phase.LostAlone : draw < p14 + p13 ? Phase.LostInBurst : Phase.Received;
        break;
      case Phase.ReceivedInBurst:
        phase = draw < (a.p23 ?? PER_MILLION) ? Phase.LostInBurst : Phase.ReceivedInBurst;
        break;
      case Phase.LostInBurst:
        phase = draw < p32 ? Phase.ReceivedInBurst : draw < p32 + p31 ? Phase.Received : Phase.LostInBurst;
        break;
      case Phase.LostAlone:
        phase = Phase.Received;
        break;
    }
    return phase === Phase.LostInBurst || phase === Phase.LostAlone;
  };
}

/**
 * Drops datagrams by one of netem's loss models, chosen by which attributes are set (see
 * model/toxics/udp-loss.ts): random with correlated bursts, the 4-state model or Gilbert-Elliott.
 */
export const loss: DatagramToxic = {
  create: (context) => {
    const random = createCorrelatedChance(context.random);
    const models = {
      random: (a: IntegerAttributes) => random(share(a.probability ?? 0), share(a.correlation ?? 0)),
      state: fourState(context.random),
      gemodel: gilbertElliott(context.random),
    };
    return {
      datagram(datagram) {
        const a = context.attributes;
        if (!models[lossModelOf(a)](a)) return context.push(datagram);
        context.acted('drop');
        context.drop();
      },
    };
  },
};
