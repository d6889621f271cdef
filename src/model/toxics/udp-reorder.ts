import { type IntegerAttributes, milliseconds, type ToxicDefinition } from './definition.js';
import { percentOf, PER_MILLION } from './corrupt.js';

export const udpReorder = {
  type: 'reorder',
  summary:
    'Holds a datagram back, with a probability, until `gap` later datagrams have passed it (or `max_hold` ms have gone by).',
  layer: 'connection',
  protocols: ['udp'],
  attributes: [
    {
      name: 'probability',
      unit: 'ppm',
      default: 0,
      min: 0,
      max: PER_MILLION,
      description: 'chance that a datagram is held back, in parts per million',
    },
    {
      name: 'gap',
      unit: 'datagrams',
      default: 1,
      min: 1,
      max: 10_000,
      description: 'how many later datagrams overtake the one held back',
    },
    milliseconds(
      'max_hold',
      'a held datagram goes out after this long even if fewer datagrams passed it',
      100,
    ),
  ],
  explain: ({ probability = 0, gap = 1, max_hold = 100 }) =>
    `holds ${percentOf(probability)} of datagrams back until ${gap} later one${gap === 1 ? '' : 's'} passed (at most ${max_hold} ms)`,
} satisfies ToxicDefinition<IntegerAttributes>;
