import { type IntegerAttributes, milliseconds, type ToxicDefinition } from './definition.js';

export const slowClose = {
  type: 'slow_close',
  summary: 'Delays the close (FIN) of the connection after its data has passed.',
  layer: 'connection',
  attributes: [milliseconds('delay', 'how long to hold the close back')],
  explain: ({ delay = 0 }) => `delays the close of the connection by ${delay} ms`,
} as const satisfies ToxicDefinition<IntegerAttributes>;
