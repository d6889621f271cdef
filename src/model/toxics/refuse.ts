import type { IntegerAttributes, ToxicDefinition } from './definition.js';

/**
 * "Down, then back" is the toxic counters' `first` (in attributes, as every toxic has them):
 * `{"type": "refuse", "attributes": {"first": 2}}` refuses two connections, then lets them pass.
 */
export const refuse = {
  type: 'refuse',
  summary:
    'Resets new connections at once (TCP RST), before the upstream is dialled: every one it applies to; with the counter `first: N`, the first N, after which they pass.',
  layer: 'connection',
  atConnect: true,
  attributes: [],
  explain: () => 'resets new connections at once, before connecting upstream',
} as const satisfies ToxicDefinition<IntegerAttributes>;
