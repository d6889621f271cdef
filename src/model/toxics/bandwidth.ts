import type { IntegerAttributes, ToxicDefinition } from './definition.js';

export const bandwidth = {
  type: 'bandwidth',
  summary: 'Limits each connection to a rate in KB/s (1 KB = 1000 bytes); 0 stalls the connection.',
  layer: 'connection',
  attributes: [
    {
      name: 'rate',
      unit: 'KB/s',
      default: 0,
      min: 0,
      max: 100_000_000,
      description: 'bytes per second divided by 1000; 0 holds all data until the toxic is removed',
    },
  ],
  explain: ({ rate = 0 }) =>
    rate === 0 ? 'stalls the connection: no data passes' : `limits the connection to ${rate} KB/s`,
} as const satisfies ToxicDefinition<IntegerAttributes>;
