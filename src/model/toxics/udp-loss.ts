import { type IntegerAttributes, type ToxicDefinition } from './definition.js';
import { percentOf, PER_MILLION } from './corrupt.js';
import { correlationWithoutChance } from './correlation-check.js';

const perMillion = <Name extends string>(name: Name, description: string, defaultValue = 0) =>
  ({ name, unit: 'ppm', default: defaultValue, min: 0, max: PER_MILLION, description }) as const;

/** The attributes of each loss model, and the one whose being above 0 chooses it. */
const modelAttributes = {
  random: ['probability', 'correlation'],
  state: ['p13', 'p31', 'p32', 'p23', 'p14'],
  gemodel: ['to_bad', 'to_good', 'bad_loss', 'good_loss'],
} as const;
const defaults: IntegerAttributes = { p23: PER_MILLION, bad_loss: PER_MILLION };

export type LossModel = keyof typeof modelAttributes;

/** netem's three loss models: `loss random`, `loss state` (4 states), `loss gemodel`. */
export function lossModelOf(attributes: IntegerAttributes): LossModel {
  if ((attributes.p13 ?? 0) > 0) return 'state';
  if ((attributes.to_bad ?? 0) > 0) return 'gemodel';
  return 'random';
}

/** The attributes set away from their defaults, by model. */
function setAttributes(attributes: IntegerAttributes, model: LossModel): string[] {
  return modelAttributes[model].filter((name) => (attributes[name] ?? 0) !== (defaults[name] ?? 0));
}

/**
 * Three loss models, as netem offers: random loss whose `correlation` makes losses come in bursts
 * while keeping the average rate; netem's 4-state Markov model (`loss state p13 p31 p32 p23 p14`);
 * and the Gilbert-Elliott model (`loss gemodel p r 1-h 1-k`).
 */
export const udpLoss = {
  type: 'loss',
  summary:
    "Drops datagrams by one of netem's loss models: at random with a probability (bursty with correlation, same average), the 4-state Markov model (p13 ...), or Gilbert-Elliott (to_bad ...).",
  layer: 'connection',
  protocols: ['udp'],
  attributes: [
    perMillion('probability', 'chance that a datagram is dropped, in parts per million (100000 = 10%)'),
    perMillion(
      'correlation',
      'how much more likely a drop is right after a drop, in parts per million; the average rate stays `probability`',
    ),
    perMillion(
      'p13',
      '4-state model: chance of a burst starting, from received (1) to lost in a burst (3) (netem p13)',
    ),
    perMillion(
      'p31',
      '4-state model: chance of a burst ending, from 3 to 1; 0 means 1 - p13, as netem (netem p31)',
    ),
    perMillion('p32', '4-state model: chance of a received datagram within a burst, from 3 to 2 (netem p32)'),
    perMillion(
      'p23',
      '4-state model: chance of the burst going on, from received in a burst (2) to 3 (netem p23)',
      PER_MILLION,
    ),
    perMillion('p14', '4-state model: chance of a loss alone, from 1 to lost alone (4) (netem p14)'),
    perMillion(
      'to_bad',
      'Gilbert-Elliott: chance per datagram of moving from the good to the bad state (netem p)',
    ),
    perMillion(
      'to_good',
      'Gilbert-Elliott: chance per datagram of moving from the bad to the good state; 0 means 1 - to_bad, as netem (netem r)',
    ),
    perMillion('bad_loss', 'Gilbert-Elliott: chance of a drop in the bad state (netem 1-h)', PER_MILLION),
    perMillion('good_loss', 'Gilbert-Elliott: chance of a drop in the good state (netem 1-k)'),
  ],
  check: (attributes) => {
    const model = lossModelOf(attributes);
    const others = (Object.keys(modelAttributes) as LossModel[])
      .filter((candidate) => candidate !== model)
      .flatMap((candidate) => setAttributes(attributes, candidate));
    if (others.length > 0) {
      const received = others.map((name) => `${name} ${attributes[name]}`).join(', ');
      const why =
        model === 'random'
          ? 'set without p13 (4-state model) or to_bad (Gilbert-Elliott), which choose their model'
          : `${others.length === 1 ? 'does' : 'do'} not belong to the ${model === 'state' ? '4-state model that p13' : 'Gilbert-Elliott model that to_bad'} chooses`;
      return `${others.join(', ')} ${why}; received ${received}. Use one model: probability/correlation, p13/p31/p32/p23/p14 or to_bad/to_good/bad_loss/good_loss`;
    }
    const { probability = 0, correlation = 0, p13 = 0, p14 = 0, p31 = 0, p32 = 0 } = attributes;
    const burstless = correlationWithoutChance(
      correlation,
      { name: 'probability', value: probability },
      'it makes drops come in bursts',
    );
    if (burstless) return burstless;
    if (p13 + p14 > PER_MILLION) {
      return `p13 + p14 is the chance of leaving state 1 and cannot pass 1000000; received p13 ${p13} and p14 ${p14}`;
    }
    if (p31 + p32 > PER_MILLION) {
      return `p31 + p32 is the chance of leaving state 3 and cannot pass 1000000; received p31 ${p31} and p32 ${p32}`;
    }
    return undefined;
  },
  explain: (a) => {
    const model = lossModelOf(a);
    const { probability = 0, correlation = 0, to_bad = 0, to_good = 0, bad_loss = 0, good_loss = 0 } = a;
    if (model === 'state') {
      const { p13 = 0, p31 = 0, p32 = 0, p23 = 0, p14 = 0 } = a;
      return `drops datagrams by the 4-state model (p13 ${percentOf(p13)}, p31 ${percentOf(p31 || PER_MILLION - p13)}, p32 ${percentOf(p32)}, p23 ${percentOf(p23)}, p14 ${percentOf(p14)})`;
    }
    if (model === 'gemodel') {
      return `drops datagrams by the Gilbert-Elliott model (to bad ${percentOf(to_bad)}, to good ${percentOf(to_good || PER_MILLION - to_bad)}, loss ${percentOf(bad_loss)} when bad, ${percentOf(good_loss)} when good)`;
    }
    return `drops ${percentOf(probability)} of datagrams${correlation > 0 ? `, in bursts (${percentOf(correlation)} correlated)` : ''}`;
  },
} as const satisfies ToxicDefinition<IntegerAttributes>;
