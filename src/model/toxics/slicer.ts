import type { IntegerAttributes, ToxicDefinition } from './definition.js';

export const slicer = {
  type: 'slicer',
  summary: 'Cuts data into small pieces sent with a delay between them.',
  layer: 'connection',
  attributes: [
    {
      name: 'average_size',
      unit: 'bytes',
      default: 0,
      min: 1,
      max: 16 * 1024 * 1024,
      description: 'average size of a piece',
    },
    {
      name: 'size_variation',
      unit: 'bytes',
      default: 0,
      min: 0,
      max: 16 * 1024 * 1024,
      description: 'pieces vary uniformly by up to this much either way',
    },
    { name: 'delay', unit: 'µs', default: 0, min: 0, max: 60_000_000, description: 'pause between pieces' },
  ],
  check: ({ average_size = 0, size_variation = 0 }) =>
    size_variation >= average_size
      ? `size_variation must be smaller than average_size, received size_variation ${size_variation} and average_size ${average_size}`
      : undefined,
  explain: ({ average_size = 0, size_variation = 0, delay = 0 }) =>
    `cuts data into pieces of ${average_size}${size_variation ? ` ± ${size_variation}` : ''} bytes, ${delay} µs apart`,
} as const satisfies ToxicDefinition<IntegerAttributes>;
