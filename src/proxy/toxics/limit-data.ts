import type { ToxicImplementation } from '../toxic-behaviour.js';

/** Lets `bytes` through in total (the count survives updates), then closes the connection. */
export const limitData: ToxicImplementation = {
  create: (context) => {
    let transmitted = 0;
    let closed = false;
    return {
      chunk(chunk) {
        if (closed) return context.discard(chunk.data.length);
        const remaining = Math.max(0, (context.attributes.bytes ?? 0) - transmitted);
        const allowed = Math.min(remaining, chunk.data.length);
        if (allowed > 0) context.push({ data: chunk.data.subarray(0, allowed), time: chunk.time });
        context.discard(chunk.data.length - allowed);
        transmitted += allowed;
        if (transmitted >= (context.attributes.bytes ?? 0)) {
          closed = true;
          context.acted('limit');
          context.closeLink('end');
        }
      },
    };
  },
};
