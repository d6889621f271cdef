import type { IntegerAttributes, ToxicDefinition } from './definition.js';

export const noop = {
  type: 'noop',
  summary: 'Passes data through unchanged.',
  layer: 'connection',
  attributes: [],
  explain: () => 'passes data through unchanged',
} as const satisfies ToxicDefinition<IntegerAttributes>;
