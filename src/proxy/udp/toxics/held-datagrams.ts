import type { Datagram, DatagramContext } from '../datagram.js';

/**
 * Datagrams a toxic holds until their time: each goes on `wait` ms after it was held, its time
 * moved by that much, unless `flush` (the toxic removed, the flow closed) sends them all at once.
 * At most `limit` wait at once (netem's limit), and none while the server's held-bytes budget is
 * full: `hold` answers false for a datagram it turned away, which the toxic drops.
 */
export function createHeldDatagrams(context: DatagramContext) {
  const held = new Set<Datagram>();
  const release = (datagram: Datagram) => context.budget.release(datagram.data.length);
  return {
    hold(datagram: Datagram, wait: number, limit: number): boolean {
      if (held.size >= limit || context.budget.full) return false;
      held.add(datagram);
      context.budget.take(datagram.data.length);
      void context.clock.sleep(wait, context.signal).then(() => {
        if (!held.delete(datagram)) return;
        release(datagram);
        datagram.time += wait;
        context.push(datagram);
      });
      return true;
    },
    flush(): void {
      const waiting = [...held];
      held.clear();
      for (const datagram of waiting) {
        release(datagram);
        context.push(datagram);
      }
    },
  };
}

/** A datagram a toxic turned away: counted and reported as a drop. */
export function dropDatagram(context: DatagramContext): void {
  context.acted('drop');
  context.drop();
}
