import type { RequestFacts } from '../../model/match.js';
import { MAX_MILLISECONDS } from '../../model/toxics/definition.js';
import { isGrpcCall } from './grpc-call.js';
import { emptyPlan, type RequestPlan } from './request-plan.js';

export const ABORT_HEADER = 'x-faultline-abort';
export const DELAY_HEADER = 'x-faultline-delay';
export const GRPC_STATUS_HEADER = 'x-faultline-grpc-status';
export const faultHeaders = [ABORT_HEADER, DELAY_HEADER, GRPC_STATUS_HEADER] as const;
const FAULT_PREFIX = 'x-faultline-';
/** faultline's own header that is no fault: the dashboard's CSRF token passes through a proxy untouched. */
const PASSED_THROUGH = ['x-faultline-csrf'];

/**
 * Envoy's fault-filter headers, faultline's way: on a proxy with header_faults on, a request
 * may ask for its own fault (a plan of the headers alone; undefined when it asks for none). The
 * headers never reach the upstream there; with header_faults off they pass through untouched,
 * like any other header. Every header is checked, whatever the others ask: a bad value or an
 * unknown `x-faultline-` header is a plan with a problem (a 400), never ignored.
 */
export function headerFaults(headers: RequestFacts['headers']): RequestPlan | undefined {
  const unknown = Object.keys(headers).find(
    (name) => name.startsWith(FAULT_PREFIX) && !isFaultHeader(name) && !PASSED_THROUGH.includes(name),
  );
  if (unknown !== undefined) return withProblem(unknownHeader(unknown, headers[unknown] ?? ''));
  const abort = headers[ABORT_HEADER];
  const delay = headers[DELAY_HEADER];
  // Only a gRPC call can be answered with a gRPC status: on any other request the header does nothing.
  const grpc = isGrpcCall(headers) ? headers[GRPC_STATUS_HEADER] : undefined;
  if (abort === undefined && delay === undefined && grpc === undefined) return undefined;
  const result = emptyPlan();
  const by = (name: string) => ({ name, type: 'header' });
  if (delay !== undefined) {
    const value = parseWhole(delay, 0, MAX_MILLISECONDS);
    if (value === undefined)
      return withProblem(
        problem(DELAY_HEADER, delay, `a whole number of milliseconds from 0 to ${MAX_MILLISECONDS}`),
      );
    result.requestDelay = value;
    result.fired.push({ by: by(DELAY_HEADER), action: 'delay_request', ms: value });
  }
  const status = abort === undefined ? undefined : parseWhole(abort, 200, 599);
  if (abort !== undefined && status === undefined)
    return withProblem(problem(ABORT_HEADER, abort, 'an HTTP status from 200 to 599'));
  const code = grpc === undefined ? undefined : parseWhole(grpc, 0, 16);
  if (grpc !== undefined && code === undefined)
    return withProblem(problem(GRPC_STATUS_HEADER, grpc, 'a gRPC status code from 0 to 16'));
  // An abort header wins over a gRPC status header on the same call.
  if (status !== undefined) {
    result.abort = {
      kind: 'respond',
      status,
      body: `faultline: answered ${status} because the request asked for it with ${ABORT_HEADER}\n`,
      headers: {},
      by: by(ABORT_HEADER),
    };
    result.fired.push({ by: by(ABORT_HEADER), action: 'abort' });
  } else if (code !== undefined) {
    result.abort = {
      kind: 'grpc',
      code,
      message: `asked for with ${GRPC_STATUS_HEADER}`,
      by: by(GRPC_STATUS_HEADER),
    };
    result.fired.push({ by: by(GRPC_STATUS_HEADER), action: 'grpc_status' });
  }
  return result;
}

/**
 * What the toxics planned, with what the headers asked added: the delays add up, and the
 * headers' answer (the more specific choice, per request) replaces a toxic's.
 */
export function withAsked(
  plan: RequestPlan | undefined,
  asked: RequestPlan | undefined,
): RequestPlan | undefined {
  if (asked === undefined || plan === undefined) return asked ?? plan;
  plan.requestDelay += asked.requestDelay;
  if (asked.abort !== undefined) plan.abort = asked.abort;
  plan.fired.push(...asked.fired);
  return plan;
}

/**
 * Whether a request's fault headers are faultline's, not the upstream's: header faults are on,
 * or were when the request asked for a fault with them (halt may switch them off while a delay
 * holds it, and its headers still never go upstream).
 */
export function dropsFaultHeaders(headerFaultsOn: boolean, plan: RequestPlan | undefined): boolean {
  return headerFaultsOn || (plan?.fired.some(({ by }) => by.type === 'header') ?? false);
}

function isFaultHeader(name: string): boolean {
  return (faultHeaders as readonly string[]).includes(name);
}

function withProblem(text: string): RequestPlan {
  const plan = emptyPlan();
  plan.problem = text;
  return plan;
}

function parseWhole(value: string | string[], min: number, max: number): number | undefined {
  const text = (Array.isArray(value) ? value[0] : value)?.trim();
  if (text === undefined || !/^\d{1,9}$/.test(text)) return undefined;
  const number = Number(text);
  return number >= min && number <= max ? number : undefined;
}

function problem(header: string, value: string | string[], accepted: string): string {
  return `faultline: invalid ${header} header: received ${JSON.stringify(value)}; expected ${accepted} (header-driven faults are on for this proxy)\n`;
}

function unknownHeader(header: string, value: string | string[]): string {
  return `faultline: unknown header ${header} (received ${JSON.stringify(value)}): header-driven faults are on for this proxy, and they are ${faultHeaders.join(', ')}; correct the name, or send it to a proxy without header_faults to pass it to the upstream\n`;
}
