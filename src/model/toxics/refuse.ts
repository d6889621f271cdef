import type { ToxicDefinition } from './definition.js';

export const refuse = {
  type: 'refuse',
  summary:
    'Resets new connections at once (TCP RST), before the upstream is dialled: every one it applies to, or only the first N, after which they pass.',
  attributes: [
    {
      name: 'first',
      unit: 'connections',
      default: 0,
      min: 0,
      max: Number.MAX_SAFE_INTEGER,
      description:
        'refuse only this many connections (counted over the life of the toxic), then let them pass; 0 refuses every one',
    },
  ],
  explain: ({ first = 0 }) =>
    first === 0
      ? 'resets new connections at once, before connecting upstream'
      : `resets the first ${first} new connection${first === 1 ? '' : 's'} at once, then lets them pass`,
} as const satisfies ToxicDefinition;
