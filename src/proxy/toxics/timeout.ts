import type { ToxicImplementation } from '../toxic-behaviour.js';

/**
 * Drops all data. With a timeout, the connection closes that long after the toxic started on it
 * (Toxiproxy re-arms the timer on every chunk, so steady traffic could postpone it forever).
 * Removing the toxic closes the connection: the stream has lost data and cannot go on.
 */
export const timeout: ToxicImplementation = {
  create: (context) => {
    let dropping = false;
    return {
      start() {
        const ms = context.attributes.timeout ?? 0;
        if (ms <= 0) return;
        const signal = context.signal;
        void context.clock.sleep(ms, signal).then(() => {
          if (signal.aborted) return;
          context.acted('close');
          context.closeLink('end');
        });
      },
      chunk(chunk) {
        if (!dropping) context.acted('drop');
        dropping = true;
        context.discard(chunk.data.length);
      },
      end() {
        context.closeLink('end');
      },
      removed: () => 'close',
    };
  },
};
