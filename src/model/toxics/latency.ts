import { type IntegerAttributes, milliseconds, type ToxicDefinition } from './definition.js';

export const latency = {
  type: 'latency',
  summary: 'Delays each chunk of data, measured from when it arrived.',
  layer: 'connection',
  attributes: [
    milliseconds('latency', 'delay added to every chunk'),
    milliseconds('jitter', 'the delay varies uniformly by up to this much either way'),
  ],
  explain: ({ latency = 0, jitter = 0 }) =>
    jitter > 0 ? `delays data by ${latency} ms ± ${jitter} ms` : `delays data by ${latency} ms`,
} as const satisfies ToxicDefinition<IntegerAttributes>;
