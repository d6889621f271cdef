import type { RequestFacts } from '../../model/match.js';
import { MAX_MILLISECONDS } from '../../model/toxics/definition.js';
import { isGrpcCall } from './grpc-call.js';
import { emptyPlan, type RequestPlan } from './request-plan.js';

export const ABORT_HEADER = 'x-faultline-abort';
export const DELAY_HEADER = 'x-faultline-delay';
export const GRPC_STATUS_HEADER = 'x-faultline-grpc-status';
export const faultHeaders = [ABORT_HEADER, DELAY_HEADER, GRPC_STATUS_HEADER] as const;

/**
 * Envoy's fault-filter headers, faultline's way: on a proxy with header_faults on, a request
 * may ask for its own fault. The headers never reach the upstream there; with header_faults
 * off they pass through untouched, like any other header.
 */
export function headerFaults(
  headers: RequestFacts['headers'],
  plan: RequestPlan | undefined,
): RequestPlan | undefined {
  const abort = headers[ABORT_HEADER];
  const delay = headers[DELAY_HEADER];
  // Only a gRPC call can be answered with a gRPC status: on any other request the header does nothing.
  const grpc = isGrpcCall(headers) ? headers[GRPC_STATUS_HEADER] : undefined;
  if (abort === undefined && delay === undefined && grpc === undefined) return plan;
  const result = plan ?? emptyPlan();
  const by = (name: string) => ({ name, type: 'header' });
  if (delay !== undefined) {
    const value = parseWhole(delay, 0, MAX_MILLISECONDS);
    if (value === undefined) {
      result.problem = problem(
        DELAY_HEADER,
        delay,
        `a whole number of milliseconds from 0 to ${MAX_MILLISECONDS}`,
      );
      return result;
    }
    result.requestDelay += value;
    result.fired.push({ by: by(DELAY_HEADER), action: 'delay_request' });
  }
  if (abort !== undefined && !result.abort) {
    const status = parseWhole(abort, 200, 599);
    if (status === undefined) {
      result.problem = problem(ABORT_HEADER, abort, 'an HTTP status from 200 to 599');
      return result;
    }
    result.abort = {
      kind: 'respond',
      status,
      body: `faultline: answered ${status} because the request asked for it with ${ABORT_HEADER}\n`,
      headers: {},
      by: by(ABORT_HEADER),
    };
    result.fired.push({ by: by(ABORT_HEADER), action: 'abort' });
  }
  if (grpc !== undefined && !result.abort) {
    const code = parseWhole(grpc, 0, 16);
    if (code === undefined) {
      result.problem = problem(GRPC_STATUS_HEADER, grpc, 'a gRPC status code from 0 to 16');
      return result;
    }
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

function parseWhole(value: string | string[], min: number, max: number): number | undefined {
  const text = (Array.isArray(value) ? value[0] : value)?.trim();
  if (text === undefined || !/^\d{1,9}$/.test(text)) return undefined;
  const number = Number(text);
  return number >= min && number <= max ? number : undefined;
}

function problem(header: string, value: string | string[], accepted: string): string {
  return `faultline: invalid ${header} header: received ${JSON.stringify(value)}; expected ${accepted} (header-driven faults are on for this proxy)\n`;
}
