import type { ToxicImplementation } from '../toxic-behaviour.js';

/**
 * `time` ms after the toxic started on the connection (its opening, for a toxic already there),
 * resets both sides, or hangs: from then on its stream's data is dropped and its close held back,
 * while the connection stays open. An update keeps the start; removing a hung toxic closes the
 * connection, because data was lost.
 */
export const limitTime: ToxicImplementation = {
  create: (context) => {
    let startedAt: number | undefined;
    let hung = false;
    return {
      start() {
        startedAt ??= context.clock.now();
        const remaining = (context.attributes.time ?? 0) - (context.clock.now() - startedAt);
        const signal = context.signal;
        void context.clock.sleep(Math.max(0, remaining), signal).then(() => {
          if (signal.aborted || hung) return;
          if (context.choice('mode') === 'hang') {
            hung = true;
            context.acted('hang');
          } else {
            context.acted('reset');
            context.closeLink('reset');
          }
        });
      },
      chunk(chunk) {
        if (hung) context.discard(chunk.data.length);
        else context.push(chunk);
      },
      async end() {
        if (hung) await context.clock.sleep(Number.POSITIVE_INFINITY, context.signal);
      },
      removed: () => (hung ? 'close' : undefined),
    };
  },
};
