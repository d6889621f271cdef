import type { EventBus } from './events.js';

/**
 * A bus for a proxy being made: what it announces meanwhile (the toxics of its config entry)
 * waits until `release`, so `proxy.created` comes before them, and is never sent when the proxy
 * could not be made. Released, it passes every event straight on.
 */
export function holdEventsUntilCreated(events: EventBus): { bus: EventBus; release(): void } {
  let held: Parameters<EventBus['emit']>[0][] | undefined = [];
  return {
    bus: {
      on: (listener) => events.on(listener),
      emit(event) {
        if (held) held.push(event);
        else events.emit(event);
      },
    },
    release() {
      const waiting = held ?? [];
      held = undefined;
      for (const event of waiting) events.emit(event);
    },
  };
}
