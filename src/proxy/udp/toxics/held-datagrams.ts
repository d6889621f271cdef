import type { Datagram, DatagramContext } from '../datagram.js';

/**
 * Datagrams a toxic holds until their time: each goes on `wait` ms after it was held, its time
 * moved by that much, unless `flush` (the toxic removed, the flow closed) sends them all at once.
 */
export function createHeldDatagrams(context: DatagramContext) {
  const held = new Set<Datagram>();
  return {
    hold(datagram: Datagram, wait: number): void {
      held.add(datagram);
      void context.clock.sleep(wait, context.signal).then(() => {
        if (!held.delete(datagram)) return;
        datagram.time += wait;
        context.push(datagram);
      });
    },
    flush(): void {
      const waiting = [...held];
      held.clear();
      for (const datagram of waiting) context.push(datagram);
    },
  };
}
