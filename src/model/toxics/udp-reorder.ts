import {
  heldLimit,
  heldLimitText,
  type IntegerAttributes,
  milliseconds,
  type ToxicDefinition,
} from './definition.js';
import { percentOf, PER_MILLION } from './corrupt.js';
import { correlationWithoutChance } from './correlation-check.js';

/**
 * netem's reordering (`delay LATENCY reorder P [CORR] gap G`): datagrams wait `latency`, except
 * the chosen ones, which go at once and so overtake those still waiting.
 */
export const udpReorder = {
  type: 'reorder',
  summary:
    'Reorders as netem does: datagrams wait `latency` ms, except chosen ones (with a probability, from the `gap`-th after the last one chosen), which go at once and overtake them.',
  layer: 'connection',
  protocols: ['udp'],
  attributes: [
    {
      name: 'probability',
      unit: 'ppm',
      default: 0,
      min: 0,
      max: PER_MILLION,
      description: 'chance that a datagram goes at once, ahead of the waiting ones, in parts per million',
    },
    {
      name: 'correlation',
      unit: 'ppm',
      default: 0,
      min: 0,
      max: PER_MILLION,
      description:
        'how much more likely a datagram goes at once right after one that did, in parts per million',
    },
    {
      name: 'gap',
      unit: 'datagrams',
      default: 1,
      min: 1,
      max: 10_000,
      description:
        'after a datagram went at once, the next gap - 1 wait, and the chance applies from the gap-th on (netem gap; 1: every datagram)',
    },
    milliseconds(
      'latency',
      'how long the datagrams not chosen wait (netem delay); reordering needs it above 0',
    ),
    heldLimit(),
  ],
  check: ({ probability = 0, correlation = 0, gap = 1, latency = 0 }) => {
    if (probability > 0 && latency === 0) {
      return `reordering needs latency above 0: chosen datagrams overtake the ones waiting latency ms (netem: "reordering not possible without specifying some delay"); received probability ${probability} and latency 0`;
    }
    if (gap > 1 && probability === 0) {
      return `gap needs a probability above 0: it counts datagrams between reorderings; received gap ${gap} and probability 0`;
    }
    return correlationWithoutChance(
      correlation,
      { name: 'probability', value: probability },
      'it makes the datagrams sent at once come in runs',
    );
  },
  explain: ({ probability = 0, correlation = 0, gap = 1, latency = 0, limit }) =>
    `delays datagrams by ${latency} ms but sends ${percentOf(probability)}${correlation > 0 ? ` (${percentOf(correlation)} correlated)` : ''} of them at once, ahead of the waiting ones${gap > 1 ? `; the first ${gap - 1} of each flow, and the next ${gap - 1} after one did, always wait` : ''}${heldLimitText(limit)}`,
} as const satisfies ToxicDefinition<IntegerAttributes>;
