import type { ToxicDefinition } from './definition.js';

export const noop = {
  type: 'noop',
  summary: 'Passes data through unchanged.',
  attributes: [],
  explain: () => 'passes data through unchanged',
} as const satisfies ToxicDefinition;
