import { type IntegerAttributes, type ToxicDefinition } from './definition.js';
import { percentOf, PER_MILLION } from './corrupt.js';

const perMillion = (name: string, description: string, defaultValue = 0) =>
  ({ name, unit: 'ppm', default: defaultValue, min: 0, max: PER_MILLION, description }) as const;

/**
 * Two loss models, as netem offers: random loss whose `correlation` makes losses come in bursts
 * while keeping the average rate, or the Gilbert-Elliott model (netem `loss gemodel p r 1-h 1-k`).
 */
export const udpLoss = {
  type: 'loss',
  summary:
    'Drops datagrams: at random with a probability (bursty with correlation, same average), or by the Gilbert-Elliott model.',
  layer: 'connection',
  protocols: ['udp'],
  attributes: [
    perMillion('probability', 'chance that a datagram is dropped, in parts per million (100000 = 10%)'),
    perMillion(
      'correlation',
      'how much more likely a drop is right after a drop, in parts per million; the average rate stays `probability`',
    ),
    perMillion(
      'to_bad',
      'Gilbert-Elliott: chance per datagram of moving from the good to the bad state (netem p)',
    ),
    perMillion(
      'to_good',
      'Gilbert-Elliott: chance per datagram of moving from the bad to the good state (netem r)',
    ),
    perMillion('bad_loss', 'Gilbert-Elliott: chance of a drop in the bad state (netem 1-h)', PER_MILLION),
    perMillion('good_loss', 'Gilbert-Elliott: chance of a drop in the good state (netem 1-k)'),
  ],
  check: ({ probability = 0, correlation = 0, to_bad = 0, to_good = 0 }) => {
    if (to_bad > 0 && (probability > 0 || correlation > 0)) {
      return `use either probability/correlation or the Gilbert-Elliott attributes, received probability ${probability}, correlation ${correlation} and to_bad ${to_bad}`;
    }
    if (to_bad > 0 && to_good === 0) {
      return `to_good must be above 0 when to_bad is set, or the bad state never ends; received to_bad ${to_bad} and to_good 0`;
    }
    return undefined;
  },
  explain: ({ probability = 0, correlation = 0, to_bad = 0, to_good = 0, bad_loss = 0, good_loss = 0 }) =>
    to_bad > 0
      ? `drops datagrams by the Gilbert-Elliott model (to bad ${percentOf(to_bad)}, to good ${percentOf(to_good)}, loss ${percentOf(bad_loss)} when bad, ${percentOf(good_loss)} when good)`
      : `drops ${percentOf(probability)} of datagrams${correlation > 0 ? `, in bursts (${percentOf(correlation)} correlated)` : ''}`,
} satisfies ToxicDefinition<IntegerAttributes>;
