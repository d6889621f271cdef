import { type IntegerAttributes, type ToxicDefinition } from './definition.js';
import { percentOf, PER_MILLION } from './corrupt.js';

export const udpDuplicate = {
  type: 'duplicate',
  summary: 'Sends a datagram twice, with a probability.',
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
  ],
  explain: ({ probability = 0 }) => `sends ${percentOf(probability)} of datagrams twice`,
} satisfies ToxicDefinition<IntegerAttributes>;
