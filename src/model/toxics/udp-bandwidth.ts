import { type IntegerAttributes, type ToxicDefinition } from './definition.js';

export const udpBandwidth = {
  type: 'udp_bandwidth',
  summary:
    'Limits datagrams to a rate in KB/s; datagrams over the rate wait in a queue of `queue` datagrams, and are dropped and counted when it is full.',
  layer: 'connection',
  protocols: ['udp'],
  attributes: [
    {
      name: 'rate',
      unit: 'KB/s',
      default: 1,
      min: 1,
      max: 100_000_000,
      description: 'bytes per second divided by 1000',
    },
    {
      name: 'queue',
      unit: 'datagrams',
      default: 1000,
      min: 0,
      max: 1_000_000,
      description: 'how many datagrams may wait for their turn before new ones are dropped (netem limit)',
    },
  ],
  explain: ({ rate = 1, queue = 1000 }) =>
    `limits datagrams to ${rate} KB/s, queueing up to ${queue} and dropping the rest`,
} satisfies ToxicDefinition<IntegerAttributes>;
