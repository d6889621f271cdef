import type { EngineEvent } from '../model/events.js';

export type { EngineEvent, EngineEventType, ProxySummary } from '../model/events.js';

export type EventListener = (event: EngineEvent) => void;

export interface EventBus {
  on(listener: EventListener): () => void;
  emit(event: EngineEvent): void;
}

export function createEventBus(): EventBus {
  const listeners = new Set<EventListener>();
  return {
    on(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    emit(event) {
      for (const listener of listeners) listener(event);
    },
  };
}
