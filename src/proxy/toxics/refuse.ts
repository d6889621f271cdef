import type { ToxicImplementation } from '../toxic-behaviour.js';

/** Resets a new connection before the upstream is dialled; counters (`first`) decide which ones. */
export const refuse: ToxicImplementation = {
  connect(context) {
    context.acted('refuse');
    return 'refuse';
  },
};
