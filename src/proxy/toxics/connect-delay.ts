import type { ConnectVerdict, ToxicImplementation } from '../toxic-behaviour.js';

/** Holds a new connection `delay` ms before the upstream is dialled; an interruption ends the wait. */
export const connectDelay: ToxicImplementation = {
  async connect(context): Promise<ConnectVerdict> {
    context.acted('delay connect');
    await context.clock.sleep(context.attributes.delay ?? 0, context.signal);
    return 'pass';
  },
};
