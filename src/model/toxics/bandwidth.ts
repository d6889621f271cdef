import type { IntegerAttributes, ToxicDefinition } from './definition.js';

export const bandwidth = {
  type: 'bandwidth',
  summary:
    'Limits each connection to a rate in KB/s (1 KB = 1000 bytes), or with scope "proxy" all its connections together; 0 stalls the connection.',
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
    {
      name: 'scope',
      kind: 'choice',
      choices: ['connection', 'proxy'],
      default: 'connection',
      omitDefault: true,
      description:
        'connection: each connection gets the rate (as Toxiproxy); proxy: all connections of the proxy share it',
    },
  ],
  explain: ({ rate = 0, scope }) =>
    rate === 0
      ? 'stalls the connection: no data passes'
      : scope === 'proxy'
        ? `limits all connections of the proxy together to ${rate} KB/s`
        : `limits the connection to ${rate} KB/s`,
} as const satisfies ToxicDefinition<IntegerAttributes & { scope?: string }>;
