import { type IntegerAttributes, milliseconds, type ToxicDefinition } from './definition.js';

export const resetPeer = {
  type: 'reset_peer',
  summary: 'Resets the connection (TCP RST) when data or a close arrives, after an optional wait.',
  layer: 'connection',
  attributes: [milliseconds('timeout', 'how long after the first data to send the reset')],
  explain: ({ timeout = 0 }) =>
    timeout === 0
      ? 'resets the connection (RST) as soon as data arrives'
      : `resets the connection (RST) ${timeout} ms after data arrives`,
} as const satisfies ToxicDefinition<IntegerAttributes>;
