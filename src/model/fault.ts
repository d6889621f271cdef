import type { Clock } from './clock.js';
import { effectOf } from './fault-effects.js';
import type { FaultSpec } from './fault-schema.js';
import { compilePattern } from './pattern.js';
import { createRandom, type RandomSource, randomSeed } from './random.js';

export { effectOf, type FaultEffect } from './fault-effects.js';
export type { FaultSpec } from './fault-schema.js';

/**
 * One sentence, e.g. "delays get calls by 100 ms, then fails them with Error: boom, on every 2nd
 * call". `sees` is what the fault is asked about: an HTTP server's, fetch's or a page's faults
 * see requests, and say so. `errorAnswers`: an error is answered (an HTTP server's 500), and is
 * explained as that answer.
 */
export function explainFault(
  fault: FaultSpec,
  sees: 'calls' | 'requests' = 'calls',
  { errorAnswers = false }: { errorAnswers?: boolean } = {},
): string {
  const one = sees === 'requests' ? 'request' : 'call';
  const target = fault.methods
    ? `${fault.methods.join('/')} calls`
    : fault.url
      ? `requests whose URL matches "${fault.url}"`
      : sees;
  const verbs: string[] = [];
  if (fault.delay !== undefined) verbs.push(`delays ${target} by ${fault.delay} ms`);
  const effect = effectOf(fault);
  const subject = verbs.length ? 'then ' : '';
  const object = verbs.length ? 'them' : target;
  if (effect === 'error' && errorAnswers) {
    // An HTTP server's error fault: what the client gets is the app's 500, with the message.
    const message = typeof fault.error === 'string' ? fault.error : fault.error!.message;
    verbs.push(`${subject}answers ${object} with 500 and the body ${JSON.stringify(fault.body ?? message)}`);
  } else if (effect === 'error')
    verbs.push(
      `${subject}fails ${object} with ${typeof fault.error === 'string' ? fault.error : `${fault.error!.name ?? 'Error'}: ${fault.error!.message}`}`,
    );
  if (effect === 'status') verbs.push(`${subject}answers ${object} with status ${fault.status}`);
  if (effect === 'abort') verbs.push(`${subject}drops ${object}`);
  if (effect === 'nullify') verbs.push(`${subject}makes ${object} return null`);
  if (effect === 'slowBody') verbs.push(`${subject}sends the body of ${object} at ${fault.slowBody} bytes/s`);
  const when: string[] = [];
  if (fault.everyNth)
    when.push(fault.everyNth === 1 ? `on every ${one}` : `on every ${ordinal(fault.everyNth)} ${one}`);
  if (fault.firstN) when.push(`for the first ${fault.firstN} ${one}s`);
  if (fault.probability !== undefined) when.push(`${Math.round(fault.probability * 100)}% of the time`);
  if (fault.httpMethods) when.push(`for ${fault.httpMethods.join('/')}`);
  if (fault.header)
    when.push(
      `when header ${fault.header.name}${fault.header.value ? ` matches /${fault.header.value}/` : ' is present'}`,
    );
  if (fault.window)
    when.push(
      `from ${fault.window.afterMs ?? 0} ms${fault.window.untilMs !== undefined ? ` to ${fault.window.untilMs} ms` : ''} after start`,
    );
  return `${verbs.join(', ')}${when.length ? `, ${when.join(', ')}` : ''}`;
}

function ordinal(n: number): string {
  const suffix =
    n % 100 >= 11 && n % 100 <= 13
      ? 'th'
      : (({ 1: 'st', 2: 'nd', 3: 'rd' } as Record<number, string>)[n % 10] ?? 'th');
  return `${n}${suffix}`;
}

/** What a fault is asked about: a client method call, or an HTTP request (fetch, XHR, server). */
export interface Call {
  method?: string;
  url?: string;
  httpMethod?: string;
  headers?: Record<string, string | string[] | undefined>;
}

export interface FaultDecider {
  readonly fault: FaultSpec;
  /** True when the fault applies to this call; counts the calls that pass the filters and the window. */
  decide(call: Call): boolean;
}

export function createDecider(
  fault: FaultSpec,
  clock: Pick<Clock, 'now'>,
  random?: RandomSource,
): FaultDecider {
  const started = clock.now();
  const source = random ?? createRandom(fault.seed ?? randomSeed());
  const url = fault.url === undefined ? undefined : compilePattern(fault.url, 'url');
  const header =
    fault.header?.value === undefined ? undefined : compilePattern(fault.header.value, 'header value');
  let matching = 0;
  return {
    fault,
    decide(call) {
      if (fault.methods && (call.method === undefined || !fault.methods.includes(call.method))) return false;
      if (url && (call.url === undefined || !url.test(call.url))) return false;
      if (fault.httpMethods && !fault.httpMethods.includes((call.httpMethod ?? 'GET').toUpperCase()))
        return false;
      if (fault.header) {
        const value = call.headers?.[fault.header.name.toLowerCase()];
        const text = Array.isArray(value) ? value.join(',') : value;
        if (text === undefined || (header && !header.test(text))) return false;
      }
      const elapsed = clock.now() - started;
      if (
        fault.window &&
        (elapsed < (fault.window.afterMs ?? 0) ||
          elapsed >= (fault.window.untilMs ?? Number.POSITIVE_INFINITY))
      ) {
        return false;
      }
      // Counted only while the fault is active: everyNth: 2 fires on the 2nd call in its window.
      matching += 1;
      if (fault.firstN !== undefined && matching > fault.firstN) return false;
      if (fault.everyNth !== undefined && matching % fault.everyNth !== 0) return false;
      if (fault.probability !== undefined && !(source.next() < fault.probability)) return false;
      return true;
    },
  };
}
