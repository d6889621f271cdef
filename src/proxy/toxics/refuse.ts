import type { ToxicImplementation } from '../toxic-behaviour.js';

/** Resets a new connection before the upstream is dialled; with `first`, only that many. */
export const refuse: ToxicImplementation = {
  connect(context) {
    const first = context.attributes.first ?? 0;
    if (first > 0 && context.applied >= first) return 'pass';
    context.acted('refuse');
    return 'refuse';
  },
};
