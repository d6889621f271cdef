import { type IntegerAttributes, milliseconds, type ToxicDefinition } from './definition.js';

export const connectDelay = {
  type: 'connect_delay',
  summary:
    'Holds each new connection this long before connecting upstream (a slow accept or a slow connect), whatever its stream.',
  layer: 'connection',
  atConnect: true,
  attributes: [milliseconds('delay', 'how long a new connection waits before the upstream is dialled')],
  explain: ({ delay = 0 }) => `holds each new connection ${delay} ms before connecting upstream`,
} as const satisfies ToxicDefinition<IntegerAttributes>;
