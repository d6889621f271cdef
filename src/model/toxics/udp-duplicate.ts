import { type IntegerAttributes, type ToxicDefinition } from './definition.js';
import { percentOf, PER_MILLION } from './corrupt.js';
import { correlationWithoutChance } from './correlation-check.js';

export const udpDuplicate = {
  type: 'duplicate',
  summary: 'Sends a datagram twice, with a probability (netem duplicate P CORR).',
  layer: 'connection',
  protocols: ['udp'],
  attributes: [
    {
      name: 'probability',
      unit: 'ppm',
      default: 0,
      min: 0,
      max: PER_MILLION,
      description: 'chance that a datagram is sent twice, in parts per million',
    },
    {
      name: 'correlation',
      unit: 'ppm',
      default: 0,
      min: 0,
      max: PER_MILLION,
      description:
        'how much more likely a duplicate is right after a duplicate, in parts per million; the average rate stays `probability`',
    },
  ],
  check: ({ probability = 0, correlation = 0 }) =>
    correlationWithoutChance(
      correlation,
      { name: 'probability', value: probability },
      'it makes duplicates come in runs',
    ),
  explain: ({ probability = 0, correlation = 0 }) =>
    `sends ${percentOf(probability)} of datagrams twice${correlation > 0 ? ` (${percentOf(correlation)} correlated)` : ''}`,
} as const satisfies ToxicDefinition<IntegerAttributes>;
