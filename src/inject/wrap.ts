import { closest } from '../model/closest-key.js';
import { describeValue, FaultlineError } from '../model/errors.js';
import type { FaultSpec } from '../model/fault.js';
import { abortError, type ArmedFault, arm, choose, delay, errorOf } from './apply.js';
import { faultsEnabled } from './enabled.js';

/** What `wrap` and `withFaults` take: one fault or several; `error` may be an Error object. */
export type FaultOptions = Omit<FaultSpec, 'error'> & { error?: FaultSpec['error'] | Error };
export interface WrapOptions {
  /** Overrides FAULTLINE_INJECT for this call. */
  enabled?: boolean;
  /**
   * The methods that return their value, not a promise (`true`: every method). A fault makes them
   * throw or return null at once, as they would themselves; a delay on them is refused.
   */
  sync?: boolean | readonly string[];
}
export interface WithFaultsOptions {
  /** Overrides FAULTLINE_INJECT for this call. */
  enabled?: boolean;
  /** The function returns its value, not a promise (see WrapOptions.sync). */
  sync?: boolean;
}

const CALL_EFFECTS = ['error', 'abort', 'nullify'];
const AsyncFunction = (async () => undefined).constructor;

/**
 * A proxy around any client object whose chosen methods are delayed or failed. Works for methods
 * that return promises, for callback methods (last argument a function) and for the synchronous
 * methods named in `sync`. When faults are off (see enabled.ts) the client itself is returned, so
 * there is no cost per call.
 */
export function wrap<T extends object>(
  client: T,
  faults: FaultOptions | FaultOptions[],
  options: WrapOptions = {},
): T {
  checkOptions(options, 'wrap');
  if ((typeof client !== 'object' && typeof client !== 'function') || client === null)
    throw new FaultlineError(
      'FAULTLINE_ERR_INVALID_FIELD',
      `wrap: the client must be an object whose methods get faults, received ${describeValue(client)}`,
    );
  if (!faultsEnabled(options.enabled)) return client;
  const armed = arm(faults, CALL_EFFECTS, 'fault', {
    sees: 'calls',
    label: (fault) => fault.methods?.join('+') ?? 'wrap',
  });
  armed.forEach(({ decider }, index) =>
    decider.fault.methods?.forEach((name) => requireMethod(client, name, `fault ${index + 1}`)),
  );
  const sync = syncMethods(client, options.sync);
  for (const [index, { decider }] of armed.entries()) {
    if (decider.fault.delay === undefined) continue;
    const chosen = decider.fault.methods;
    const held =
      sync === 'all' ? (chosen?.[0] ?? 'every method') : (chosen ?? [...sync]).find((name) => sync.has(name));
    if (held !== undefined) refuseDelay(`fault ${index + 1}`, held);
  }
  const everyMethod = armed.some((fault) => fault.decider.fault.methods === undefined);
  const faulted = new Set(armed.flatMap((fault) => fault.decider.fault.methods ?? []));
  const cache = new Map<PropertyKey, unknown>();
  const passThroughs = new WeakMap<Callable, Callable>();
  // A method that answers the object itself (`return this`, node-redis's `await connect()`, a
  // Map's set) answers the proxy, so the next call on what it gave back has faults too.
  const own = (value: unknown): unknown => (value === client ? wrapped : value);
  const asWrapped = (value: unknown): unknown => (plainPromise(value) ? value.then(own) : own(value));
  /** The method itself, called on the object when it is called on the proxy. */
  const passThrough = (method: Callable): Callable => {
    let through = passThroughs.get(method);
    if (through === undefined) {
      through = new Proxy(method, {
        apply: (original, self, args) =>
          asWrapped(Reflect.apply(original, self === wrapped ? client : self, args)),
      });
      passThroughs.set(method, through);
    }
    return through;
  };
  // Getters, setters and methods run on the object itself, never on the proxy: private fields
  // (#x) and the internal slots of a Map or a Date are reachable only through the object.
  const wrapped = new Proxy(client, {
    set: (target, property, value) => Reflect.set(target, property, value, target),
    get(target, property) {
      const value = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      if (typeof property !== 'string' || (!everyMethod && !faulted.has(property)))
        return passThrough(value as Callable);
      let replacement = cache.get(property);
      if (replacement === undefined) {
        const synchronous = sync === 'all' || sync.has(property);
        replacement = faulty(value as Callable, armed, property, target, synchronous, asWrapped);
        cache.set(property, replacement);
      }
      return replacement;
    },
  });
  return wrapped;
}

/**
 * One function with faults; every call is a candidate. Events name the function (an unnamed one
 * is "anonymous"). `sync: true` keeps a function that returns its value synchronous.
 */
export function withFaults<F extends (...args: never[]) => unknown>(
  fn: F,
  faults: FaultOptions | FaultOptions[],
  options: WithFaultsOptions = {},
): F {
  checkOptions(options, 'withFaults');
  if (typeof fn !== 'function')
    throw new FaultlineError(
      'FAULTLINE_ERR_INVALID_FIELD',
      `withFaults: the first argument must be the function to fault, received ${describeValue(fn)}`,
    );
  if (!faultsEnabled(options.enabled)) return fn;
  const name = fn.name || 'anonymous';
  const armed = arm(faults, CALL_EFFECTS, 'fault', { sees: 'calls', label: () => name });
  armed.forEach(({ decider }, index) => {
    if (decider.fault.methods)
      throw new FaultlineError(
        'FAULTLINE_ERR_INVALID_FIELD',
        `fault ${index + 1}: withFaults applies to every call of ${name}, so "methods" would choose nothing; drop it (methods chooses the methods of wrap())`,
      );
  });
  if (options.sync === true) {
    if (fn instanceof AsyncFunction) refuseAsync(name);
    const delayed = armed.findIndex(({ decider }) => decider.fault.delay !== undefined);
    if (delayed >= 0) refuseDelay(`fault ${delayed + 1}`, name);
  }
  return faulty(fn as unknown as Callable, armed, name, undefined, options.sync === true) as unknown as F;
}

type Callable = (...args: unknown[]) => unknown;

/**
 * A promise and nothing more: one with methods of its own (got's `.json()`) is left as it is.
 * Symbols do not count: Node gives promises async-id symbols while async hooks are on.
 */
function plainPromise(value: unknown): value is Promise<unknown> {
  return (
    value instanceof Promise &&
    Object.getPrototypeOf(value) === Promise.prototype &&
    Object.getOwnPropertyNames(value).length === 0
  );
}

function checkOptions(options: object, caller: string): void {
  if (typeof options !== 'object' || options === null)
    throw new FaultlineError(
      'FAULTLINE_ERR_INVALID_FIELD',
      `${caller} options: expected an object such as { sync: true }, received ${String(options)}`,
    );
  const unknown = Object.keys(options).find((key) => key !== 'enabled' && key !== 'sync');
  if (unknown !== undefined)
    throw new FaultlineError(
      'FAULTLINE_ERR_UNKNOWN_FIELD',
      `${caller} options: unknown key "${unknown}"; the keys are enabled and sync`,
    );
  const { enabled, sync } = options as { enabled?: unknown; sync?: unknown };
  if (enabled !== undefined && typeof enabled !== 'boolean')
    throw new FaultlineError(
      'FAULTLINE_ERR_INVALID_FIELD',
      `${caller} options: enabled must be true or false (or left out, to follow FAULTLINE_INJECT), received ${describeValue(enabled)}; a string such as "false" would have turned faults on`,
    );
  const fits =
    sync === undefined ||
    typeof sync === 'boolean' ||
    (caller === 'wrap' && Array.isArray(sync) && sync.every((name) => typeof name === 'string'));
  if (!fits)
    throw new FaultlineError(
      'FAULTLINE_ERR_INVALID_FIELD',
      `${caller} options: sync must be ${caller === 'wrap' ? 'true, false or a list of method names' : 'true or false'}, received ${JSON.stringify(sync)}`,
    );
}

/** The methods declared synchronous: 'all', or the names (each a method of the client, none async). */
function syncMethods(client: object, sync: WrapOptions['sync']): 'all' | ReadonlySet<string> {
  if (sync === true) return 'all';
  const names = new Set(sync || []);
  for (const name of names) {
    if (requireMethod(client, name, 'sync') instanceof AsyncFunction) refuseAsync(name);
  }
  return names;
}

function requireMethod(client: object, name: string, where: string): unknown {
  const value: unknown = Reflect.get(client, name);
  if (typeof value === 'function') return value;
  const methods = methodNames(client);
  const guess = closest(name, methods);
  throw new FaultlineError(
    'FAULTLINE_ERR_INVALID_FIELD',
    `${where}: the object has no method "${name}", so a fault on it would never apply; ${
      guess
        ? `did you mean "${guess}"?`
        : `its methods are ${methods.slice(0, 12).join(', ') || 'none'}${methods.length > 12 ? ', …' : ''}`
    }`,
  );
}

/** The names of the functions on an object and its prototypes, short of Object.prototype. */
function methodNames(client: object): string[] {
  const names = new Set<string>();
  for (let level: object | null = client; level && level !== Object.prototype;) {
    for (const name of Object.getOwnPropertyNames(level)) {
      if (name !== 'constructor' && typeof Reflect.get(client, name) === 'function') names.add(name);
    }
    level = Object.getPrototypeOf(level) as object | null;
  }
  return [...names];
}

function refuseAsync(name: string): never {
  throw new FaultlineError(
    'FAULTLINE_ERR_INVALID_FIELD',
    `sync: ${name} is an async function, so it returns a promise; leave it out of sync`,
  );
}

function refuseDelay(where: string, name: string): never {
  throw new FaultlineError(
    'FAULTLINE_ERR_INVALID_FIELD',
    `${where}: a delay cannot hold back ${name}, which is synchronous (sync), without blocking the whole process; use error, abort or nullify on it, or leave it out of sync if it returns a promise`,
  );
}

function faulty(
  original: Callable,
  faults: ArmedFault[],
  method: string,
  self: unknown,
  sync: boolean,
  answer: (value: unknown) => unknown = (value) => value,
) {
  return function (this: unknown, ...args: unknown[]) {
    const chosen = choose(faults, { method }, 'call');
    const receiver = self ?? this;
    if (!chosen) return answer(original.apply(receiver, args));
    const { fault } = chosen;
    // Recorded when the effect happens: at once for a synchronous function, after the delay otherwise.
    if (sync) {
      chosen.tookEffect();
      return synchronously(fault);
    }
    const callback =
      typeof args.at(-1) === 'function' ? (args.at(-1) as (...values: unknown[]) => void) : undefined;
    const outcome = async () => {
      if (fault.delay) await delay(fault.delay);
      chosen.tookEffect();
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
    return answer(outcome().then((value) => (value === null ? null : original.apply(receiver, args))));
  };
}

/** A synchronous function's own failure: a throw or null, at once (a delay was refused in wrap). */
function synchronously(fault: FaultSpec): null {
  if (fault.nullify) return null;
  if (fault.abort) throw abortError();
  throw errorOf(fault);
}
