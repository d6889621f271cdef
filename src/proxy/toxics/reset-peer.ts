import type { ToxicImplementation } from '../toxic-behaviour.js';

/**
 * On the first data (or EOF), waits `timeout` ms and resets both sides with an RST. Unlike
 * Toxiproxy the wait can be interrupted; an interrupted toxic passes the chunk on and resets nothing.
 */
export const resetPeer: ToxicImplementation = {
  create: (context) => {
    const resetAfterWait = async (): Promise<boolean> => {
      await context.clock.sleep(context.attributes.timeout ?? 0, context.signal);
      if (context.signal.aborted) return false;
      context.acted('reset');
      context.closeLink('reset');
      return true;
    };
    return {
      async chunk(chunk) {
        if (await resetAfterWait()) context.discard(chunk.data.length);
        else context.push(chunk);
      },
      async end() {
        await resetAfterWait();
      },
    };
  },
};
