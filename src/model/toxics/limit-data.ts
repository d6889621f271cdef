import type { IntegerAttributes, ToxicDefinition } from './definition.js';

export const limitData = {
  type: 'limit_data',
  summary: 'Closes the connection once it has carried a number of bytes.',
  layer: 'connection',
  attributes: [
    {
      name: 'bytes',
      unit: 'bytes',
      default: 0,
      min: 0,
      max: Number.MAX_SAFE_INTEGER,
      description: 'how many bytes pass before the connection is closed',
    },
  ],
  explain: ({ bytes = 0 }) => `closes the connection after ${bytes} bytes`,
} as const satisfies ToxicDefinition<IntegerAttributes>;
