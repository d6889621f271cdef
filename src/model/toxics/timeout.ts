import { type IntegerAttributes, milliseconds, type ToxicDefinition } from './definition.js';

export const timeout = {
  type: 'timeout',
  summary: 'Drops all data; closes the connection after the timeout, or holds it open forever when 0.',
  layer: 'connection',
  attributes: [milliseconds('timeout', 'when to close the connection; 0 never closes it')],
  explain: ({ timeout = 0 }) =>
    timeout === 0
      ? 'drops all data and holds the connection open until the toxic is removed'
      : `drops all data and closes the connection after ${timeout} ms`,
} as const satisfies ToxicDefinition<IntegerAttributes>;
