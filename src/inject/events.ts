import diagnostics from 'node:diagnostics_channel';
import type { Call, FaultSpec } from '../model/fault.js';

/** Published on the "faultline:fault" diagnostics channel each time a fault is applied. */
export interface FaultApplied {
  fault: string;
  target: string;
  effect: string;
  call: Call;
}

export const faultChannel = diagnostics.channel('faultline:fault');
const counts = new Map<string, number>();

export function faultName(fault: FaultSpec, index: number): string {
  return fault.name ?? `fault-${index + 1}`;
}

export function recordFault(applied: FaultApplied): void {
  counts.set(applied.fault, (counts.get(applied.fault) ?? 0) + 1);
  if (faultChannel.hasSubscribers) faultChannel.publish(applied);
}

/** How many times each fault was applied in this process, by name. */
export function faultCounts(): ReadonlyMap<string, number> {
  return counts;
}

/** Listens to applied faults; returns the function that stops listening. */
export function onFault(listener: (applied: FaultApplied) => void): () => void {
  const handler = (message: unknown) => listener(message as FaultApplied);
  faultChannel.subscribe(handler);
  return () => faultChannel.unsubscribe(handler);
}
