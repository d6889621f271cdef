import {
  type Attributes,
  heldLimit,
  heldLimitText,
  milliseconds,
  type ToxicDefinition,
} from './definition.js';
import { percentOf, PER_MILLION } from './corrupt.js';
import { correlationWithoutChance } from './correlation-check.js';

const num = (value: unknown) => (typeof value === 'number' ? value : 0);

export const udpLatency = {
  type: 'udp_latency',
  summary:
    'Delays each datagram by latency ± jitter (uniform, or normal, pareto or paretonormal as netem), with netem-style correlation between successive delays; datagrams may overtake each other, as with netem.',
  layer: 'connection',
  protocols: ['udp'],
  attributes: [
    milliseconds('latency', 'delay added to every datagram'),
    milliseconds(
      'jitter',
      'the delay varies by up to this much either way (uniform), or this is the spread of the distribution',
    ),
    {
      name: 'correlation',
      unit: 'ppm',
      default: 0,
      min: 0,
      max: PER_MILLION,
      description: "how much each datagram's jitter follows the previous one's, in parts per million",
    },
    {
      name: 'distribution',
      kind: 'choice',
      choices: ['uniform', 'normal', 'pareto', 'paretonormal'],
      default: 'uniform',
      description:
        "the shape of the jitter, as netem's distribution tables: uniform within ± jitter, or normal, pareto, paretonormal with jitter as the spread (within ± 4 jitter)",
    },
    heldLimit(),
  ],
  check: ({ jitter, correlation, distribution }) =>
    distribution !== 'uniform' && num(jitter) === 0
      ? `distribution ${String(distribution)} shapes the jitter, so it needs jitter above 0 (netem: "distribution specified but no latency and jitter values"); received jitter 0`
      : correlationWithoutChance(
          num(correlation),
          { name: 'jitter', value: num(jitter) },
          "it ties each datagram's jitter to the previous one's",
        ),
  explain: ({ latency, jitter, correlation, distribution, limit }) =>
    (num(jitter) === 0
      ? `delays each datagram by ${num(latency)} ms`
      : `delays each datagram by ${num(latency)} ms ± ${num(jitter)} ms${distribution === 'uniform' ? '' : ` (${String(distribution)})`}${num(correlation) > 0 ? `, ${percentOf(num(correlation))} correlated` : ''}`) +
    heldLimitText(limit),
} as const satisfies ToxicDefinition<Attributes>;
