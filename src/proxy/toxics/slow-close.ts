import type { ToxicImplementation } from '../toxic-behaviour.js';

export const slowClose: ToxicImplementation = {
  create: (context) => ({
    chunk: (chunk) => context.push(chunk),
    async end() {
      context.acted('delay close');
      await context.clock.sleep(context.attributes.delay ?? 0, context.signal);
    },
  }),
};
