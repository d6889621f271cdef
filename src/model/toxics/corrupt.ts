import { type IntegerAttributes, type ToxicDefinition } from './definition.js';

/** Probabilities are whole parts per million, as every toxic attribute is a whole number. */
export const PER_MILLION = 1_000_000;

export function percentOf(perMillion: number): string {
  return `${Number(((perMillion / PER_MILLION) * 100).toPrecision(6))}%`;
}

export const corrupt = {
  type: 'corrupt',
  summary:
    'Flips one random bit in a passing byte, with a probability per byte; on udp proxies, in a datagram, with a probability per datagram (as netem); seeded.',
  layer: 'connection',
  attributes: [
    {
      name: 'probability',
      unit: 'ppm',
      default: 0,
      min: 0,
      max: PER_MILLION,
      description:
        'chance per byte that one of its bits flips, in parts per million (1000 = 0.1%); on udp proxies, chance per datagram that one bit of it flips',
    },
  ],
  explain: ({ probability = 0 }, protocol) => {
    const rate = percentOf(probability);
    if (protocol === 'udp') return `flips a bit in ${rate} of the datagrams`;
    if (protocol === undefined)
      return `flips a bit in ${rate} of the bytes (of the datagrams, on a udp proxy)`;
    return `flips a bit in ${rate} of the bytes`;
  },
} as const satisfies ToxicDefinition<IntegerAttributes>;
