import diagnostics from 'node:diagnostics_channel';
import type { FaultApplied } from '../model/fault-event.js';

/** Published on the "faultline:fault" diagnostics channel each time a fault takes effect. */
export type { CutShortBy, FaultApplied } from '../model/fault-event.js';

export const faultChannel = diagnostics.channel('faultline:fault');
const counts = new Map<string, number>();

const unnamed = new Map<string, number>();

/**
 * A name no other unnamed fault in this process was given, so counters never merge two faults:
 * the first "fetch-abort" is called that, the next "fetch-abort-2", and so on. A name in `taken`
 * (given by hand to a fault of the same list) is skipped.
 */
export function unnamedFault(base: string, taken: ReadonlySet<string> = new Set()): string {
  let name: string;
  do {
    const count = (unnamed.get(base) ?? 0) + 1;
    unnamed.set(base, count);
    name = count === 1 ? base : `${base}-${count}`;
  } while (taken.has(name));
  return name;
}

/** Request headers that carry credentials: an event shows that they were sent, not what they hold. */
const credentialHeaders = ['authorization', 'proxy-authorization', 'cookie'];

export function recordFault(applied: FaultApplied): void {
  counts.set(applied.fault, (counts.get(applied.fault) ?? 0) + 1);
  if (faultChannel.hasSubscribers) faultChannel.publish(withoutCredentials(applied));
}

/** Listeners log events: a copy whose credential headers are masked, and which no listener can change the request through. */
function withoutCredentials(applied: FaultApplied): FaultApplied {
  const { headers } = applied.call;
  if (headers === undefined) return applied;
  const masked = { ...headers };
  for (const name of credentialHeaders) if (masked[name] !== undefined) masked[name] = '***';
  return { ...applied, call: { ...applied.call, headers: masked } };
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
