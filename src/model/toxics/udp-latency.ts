import { type IntegerAttributes, milliseconds, type ToxicDefinition } from './definition.js';
import { percentOf, PER_MILLION } from './corrupt.js';

export const udpLatency = {
  type: 'udp_latency',
  summary:
    'Delays each datagram by latency ± jitter, with netem-style correlation between successive delays; datagrams may overtake each other, as with netem.',
  layer: 'connection',
  protocols: ['udp'],
  attributes: [
    milliseconds('latency', 'delay added to every datagram'),
    milliseconds('jitter', 'the delay varies uniformly by up to this much either way'),
    {
      name: 'correlation',
      unit: 'ppm',
      default: 0,
      min: 0,
      max: PER_MILLION,
      description: "how much each datagram's jitter follows the previous one's, in parts per million",
    },
  ],
  explain: ({ latency = 0, jitter = 0, correlation = 0 }) =>
    jitter === 0
      ? `delays each datagram by ${latency} ms`
      : `delays each datagram by ${latency} ms ± ${jitter} ms${correlation > 0 ? `, ${percentOf(correlation)} correlated` : ''}`,
} satisfies ToxicDefinition<IntegerAttributes>;
