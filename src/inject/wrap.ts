import type { FaultSpec } from '../model/fault.js';
import { abortError, type ArmedFault, arm, delay, errorOf, pick } from './apply.js';
import { faultsEnabled } from './enabled.js';

/** What `wrap` and `withFaults` take: one fault or several; `error` may be an Error object. */
export type FaultOptions = Omit<FaultSpec, 'error'> & { error?: FaultSpec['error'] | Error };
export interface WrapOptions {
  /** Overrides FAULTLINE_INJECT for this call. */
  enabled?: boolean;
}

const CALL_EFFECTS = ['error', 'abort', 'nullify'];

/**
 * A proxy around any client object whose chosen methods are delayed or failed. Works for methods
 * that return promises and for callback methods (last argument a function). When faults are
 * off (see enabled.ts) the client itself is returned, so there is no cost per call.
 */
export function wrap<T extends object>(
  client: T,
  faults: FaultOptions | FaultOptions[],
  options: WrapOptions = {},
): T {
  if (!faultsEnabled(options.enabled)) return client;
  const armed = arm(faults, CALL_EFFECTS, 'fault');
  const everyMethod = armed.some((fault) => fault.decider.fault.methods === undefined);
  const faulted = new Set(armed.flatMap((fault) => fault.decider.fault.methods ?? []));
  const cache = new Map<PropertyKey, unknown>();
  return new Proxy(client, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || typeof property !== 'string') return value;
      if (!everyMethod && !faulted.has(property)) return value;
      let replacement = cache.get(property);
      if (replacement === undefined) {
        replacement = faulty(value as (...args: unknown[]) => unknown, armed, property, target);
        cache.set(property, replacement);
      }
      return replacement;
    },
  });
}

/** One function with faults; `methods` does not apply, every call is a candidate. */
export function withFaults<F extends (...args: never[]) => unknown>(
  fn: F,
  faults: FaultOptions | FaultOptions[],
  options: WrapOptions = {},
): F {
  if (!faultsEnabled(options.enabled)) return fn;
  const list = (Array.isArray(faults) ? faults : [faults]).map((fault) => ({
    ...fault,
    methods: [fn.name || 'function'],
  }));
  const armed = arm(list, CALL_EFFECTS, 'fault');
  return faulty(
    fn as unknown as (...args: unknown[]) => unknown,
    armed,
    fn.name || 'function',
    undefined,
  ) as unknown as F;
}

function faulty(
  original: (...args: unknown[]) => unknown,
  faults: ArmedFault[],
  method: string,
  self: unknown,
) {
  return function (this: unknown, ...args: unknown[]) {
    const fault = pick(faults, { method }, 'call');
    const receiver = self ?? this;
    if (!fault) return original.apply(receiver, args);
    const callback =
      typeof args.at(-1) === 'function' ? (args.at(-1) as (...values: unknown[]) => void) : undefined;
    const outcome = async () => {
      if (fault.delay) await delay(fault.delay);
      if (fault.error !== undefined) throw errorOf(fault);
      if (fault.abort) throw abortError();
      if (fault.nullify) return null;
      return undefined;
    };
    if (callback) {
      outcome().then(
        (value) => (value === null ? callback(null, null) : original.apply(receiver, args)),
        (error: Error) => callback(error),
      );
      return undefined;
    }
    return outcome().then((value) => (value === null ? null : original.apply(receiver, args)));
  };
}
