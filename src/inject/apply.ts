import { systemClock } from '../model/system-clock.js';
import { FaultlineError } from '../model/errors.js';
import { type Call, createDecider, effectOf, type FaultDecider, type FaultSpec } from '../model/fault.js';
import { parseFault } from '../model/fault-schema.js';
import { refuseDuplicateNames } from '../model/fault-names.js';
import { type CutShortBy, recordFault, unnamedFault } from './events.js';

/** A fault ready to decide, with the name events and counters use. */
export interface ArmedFault {
  name: string;
  decider: FaultDecider;
}

export interface ArmOptions {
  /**
   * What the faults are asked about: method calls (wrap, withFaults) or HTTP requests (servers,
   * fetch, http). A filter only the other kind has could never match, so it is refused.
   */
  sees?: 'calls' | 'requests';
  /** Starts the name of an unnamed fault: "fetch" names it "fetch-abort" (then "fetch-abort-2"). */
  label?: (fault: FaultSpec) => string;
  /** An error fault answers with a body (an HTTP server's 500); elsewhere an error sends none. */
  errorsAnswer?: boolean;
}

const requestFilters = ['url', 'httpMethods', 'header'] as const;

export function arm(
  faults: unknown,
  allowed: readonly string[],
  where: string,
  { sees, label = () => 'fault', errorsAnswer = false }: ArmOptions = {},
): ArmedFault[] {
  const list = Array.isArray(faults) ? faults : [faults];
  const parsed = list.map((value, index) => {
    const place = `${where} ${index + 1}`;
    const fault = parseFault(normalize(value), place);
    const effect = effectOf(fault);
    if (effect && !allowed.includes(effect)) {
      throw new FaultlineError(
        'FAULTLINE_ERR_INVALID_FIELD',
        `${place}: "${effect}" does not apply here; use one of ${allowed.join(', ')}`,
      );
    }
    if (fault.body !== undefined && fault.error !== undefined && !errorsAnswer) {
      throw new FaultlineError(
        'FAULTLINE_ERR_INVALID_FIELD',
        `${place}: "body" would never be sent: an error here fails the call with no answer; drop body, or answer with "status" and body`,
      );
    }
    if (errorsAnswer) refuseUnsentErrorFields(fault, place);
    const requestFilter = requestFilters.find((key) => fault[key] !== undefined);
    if (sees === 'calls' && requestFilter) {
      throw new FaultlineError(
        'FAULTLINE_ERR_INVALID_FIELD',
        `${place}: "${requestFilter}" filters HTTP requests and never matches a method call; drop it, or use "methods" to choose methods`,
      );
    }
    if (sees === 'requests' && fault.methods) {
      throw new FaultlineError(
        'FAULTLINE_ERR_INVALID_FIELD',
        `${place}: "methods" names client methods for wrap() and never matches an HTTP request; for HTTP methods write "httpMethods": ${JSON.stringify(fault.methods)}`,
      );
    }
    return fault;
  });
  refuseDuplicateNames(
    parsed.map((fault) => fault.name),
    (index) => `${where} ${index + 1}`,
  );
  const taken = new Set(parsed.flatMap((fault) => fault.name ?? []));
  return parsed.map((fault) => ({
    name: fault.name ?? unnamedFault(`${label(fault)}-${effectOf(fault) ?? 'delay'}`, taken),
    decider: createDecider(fault, systemClock),
  }));
}

/**
 * An error fault that answers (an HTTP server's 500) sends the client its message only: a name
 * of its own or a code would never be seen, so it is refused rather than ignored. An Error's
 * own name, `Error`, says nothing and passes.
 */
function refuseUnsentErrorFields(fault: FaultSpec, place: string): void {
  if (typeof fault.error !== 'object') return;
  const { message, name, code } = fault.error;
  const unsent = [
    ...(name !== undefined && name !== 'Error' ? [`"name" (${name})`] : []),
    ...(code !== undefined ? [`"code" (${code})`] : []),
  ];
  if (unsent.length === 0) return;
  throw new FaultlineError(
    'FAULTLINE_ERR_INVALID_FIELD',
    `${place}: an HTTP server's error fault answers 500 with the message ${JSON.stringify(message)} as its body; ${unsent.join(' and ')} never ${unsent.length > 1 ? 'reach' : 'reaches'} the client: drop ${unsent.length > 1 ? 'them' : 'it'}, or answer with "status" and "body"`,
  );
}

/** Accepts an Error object for `error`, as wrap(client, { error: new Error('boom') }) does. */
function normalize(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const fault = { ...(value as Record<string, unknown>) };
  if (fault.error instanceof Error) {
    const { message, name } = fault.error;
    const code = (fault.error as NodeJS.ErrnoException).code;
    fault.error = { message, name, ...(code ? { code } : {}) };
  }
  return fault;
}

/** A fault chosen for a call, recorded only when it takes effect. */
export interface Chosen {
  fault: FaultSpec;
  /** Records the fault's effect as done (its delay held in full, then the effect happened). */
  tookEffect(): void;
  /** Records a delay cut short (by default by the app's abort or timeout): its effect never happened. */
  cutShort(heldMs: number, by?: CutShortBy): void;
}

/**
 * The first armed fault that applies to this call. It is not recorded yet: what faultline reports
 * is what happened, so the caller records it when its effect happens, or its delay is cut short.
 */
export function choose(faults: readonly ArmedFault[], call: Call, target: string): Chosen | undefined {
  for (const armed of faults) {
    if (!armed.decider.decide(call)) continue;
    const fault = armed.decider.fault;
    const event = { fault: armed.name, target, call };
    let recorded = false;
    const once = (record: () => void) => {
      if (recorded) return;
      recorded = true;
      record();
    };
    return {
      fault,
      tookEffect: () => once(() => recordFault({ ...event, effect: effectOf(fault) ?? 'delay' })),
      cutShort: (heldMs, by = 'app') =>
        once(() => recordFault({ ...event, effect: 'delay', cutShort: { heldMs: Math.round(heldMs), by } })),
    };
  }
  return undefined;
}

export function errorOf(fault: FaultSpec): Error {
  const spec =
    typeof fault.error === 'string'
      ? { message: fault.error }
      : (fault.error ?? { message: 'injected fault' });
  const error = new Error(spec.message);
  if (spec.name) error.name = spec.name;
  if (spec.code) Object.assign(error, { code: spec.code });
  return error;
}

export function abortError(): Error {
  return Object.assign(new Error('The operation was aborted by an injected fault'), {
    name: 'AbortError',
    code: 'ABORT_ERR',
  });
}

/**
 * An injected delay is never short: setTimeout alone may fire a fraction of a millisecond early.
 * It ends at once when `release` aborts (the fault that holds the call was taken away).
 */
export const delay = (ms: number, release?: AbortSignal): Promise<void> => systemClock.sleep(ms, release);
