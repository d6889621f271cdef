import { type IntegerAttributes, milliseconds, type ToxicDefinition } from './definition.js';

export const limitTime = {
  type: 'limit_time',
  summary:
    'After a time from the start of the connection, resets it (RST) or makes it hang: no more data or close passes on its stream, as if the cable were pulled.',
  layer: 'connection',
  attributes: [
    milliseconds('time', 'how long after the connection opened it is reset or hangs'),
    {
      name: 'mode',
      kind: 'choice',
      choices: ['reset', 'hang'],
      default: 'reset',
      description:
        'reset: both sides get an RST; hang: data and the close on this stream stop, the connection stays open',
    },
  ],
  explain: ({ time = 0, mode }) =>
    mode === 'hang'
      ? `makes the connection hang ${time} ms after it opened`
      : `resets the connection (RST) ${time} ms after it opened`,
} as const satisfies ToxicDefinition<IntegerAttributes & { mode?: string }>;
