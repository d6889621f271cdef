import type { RequestFacts } from '../../model/match.js';
import type { RandomSource } from '../../model/random.js';
import { MAX_MILLISECONDS } from '../../model/toxics/definition.js';
import { isGrpcCall } from './grpc-call.js';
import { grpcCodeForHttpStatus } from './grpc-from-http.js';
import { type Abort, emptyPlan, type RequestPlan } from './request-plan.js';

/**
 * Each fault a request may ask for, by faultline's header and by the header Envoy's fault
 * filter reads for it, so a test written against Envoy runs unchanged.
 */
const askedBy = {
  abort: ['x-faultline-abort', 'x-envoy-fault-abort-request'],
  grpcStatus: ['x-faultline-grpc-status', 'x-envoy-fault-abort-grpc-request'],
  delay: ['x-faultline-delay', 'x-envoy-fault-delay-request'],
  throughput: ['x-faultline-throughput', 'x-envoy-fault-throughput-response'],
  abortPercentage: ['x-faultline-abort-percentage', 'x-envoy-fault-abort-request-percentage'],
  delayPercentage: ['x-faultline-delay-percentage', 'x-envoy-fault-delay-request-percentage'],
  throughputPercentage: ['x-faultline-throughput-percentage', 'x-envoy-fault-throughput-response-percentage'],
} as const;
type Asked = keyof typeof askedBy;

export const faultHeaders: readonly string[] = Object.values(askedBy).flat();
const FAULT_PREFIXES = ['x-faultline-', 'x-envoy-fault-'];
/** faultline's own header that is no fault: the dashboard's CSRF token passes through a proxy untouched. */
const PASSED_THROUGH = ['x-faultline-csrf'];
/** What Envoy's fault filter answers an abort with: the body of an HTTP abort, the grpc-message of a gRPC one. */
export const ENVOY_ABORT_TEXT = 'fault filter abort';
/** The largest gRPC status a header may ask for: Envoy takes any 32-bit code, to test undefined ones too. */
const MAX_GRPC_CODE = 4_294_967_295;
/** The largest response rate a header may ask for, in KiB/s (about 1 TB/s: no limit in practice). */
export const MAX_THROUGHPUT_KIBPS = 1_000_000_000;

interface HeaderValue {
  name: string;
  value: string | string[];
}

/**
 * Envoy's fault-filter headers, faultline's way: on a proxy with header_faults on, a request
 * may ask for its own fault (a plan of the headers alone; undefined when it asks for none, or
 * its percentages chose none). The
 * headers never reach the upstream there; with header_faults off they pass through untouched,
 * like any other header. Every header is checked, whatever the others ask: a bad value, an
 * unknown fault header or a percentage without its fault is a plan with a problem (a 400), never
 * ignored. A percentage is rolled with `random` only when it is below 100.
 */
export function headerFaults(
  headers: RequestFacts['headers'],
  random: RandomSource,
): RequestPlan | undefined {
  const unknown = Object.keys(headers).find(
    (name) =>
      FAULT_PREFIXES.some((prefix) => name.startsWith(prefix)) &&
      !faultHeaders.includes(name) &&
      !PASSED_THROUGH.includes(name),
  );
  if (unknown !== undefined) return withProblem(unknownHeader(unknown, headers[unknown] ?? ''));
  const found = {} as Record<Asked, HeaderValue | undefined>;
  for (const asked of Object.keys(askedBy) as Asked[]) {
    const [own, envoy] = askedBy[asked].map((name) => headers[name]);
    if (own !== undefined && envoy !== undefined) return withProblem(bothNames(asked));
    const index = own === undefined ? 1 : 0;
    const value = own ?? envoy;
    found[asked] = value === undefined ? undefined : { name: askedBy[asked][index], value };
  }
  const grpcCall = isGrpcCall(headers);
  const { abort, grpcStatus, delay, throughput } = found;
  const { abortPercentage, delayPercentage, throughputPercentage } = found;
  if (abortPercentage !== undefined && abort === undefined && grpcStatus === undefined)
    return withProblem(aloneProblem(abortPercentage, 'abort'));
  if (delayPercentage !== undefined && delay === undefined)
    return withProblem(aloneProblem(delayPercentage, 'delay'));
  if (throughputPercentage !== undefined && throughput === undefined)
    return withProblem(aloneProblem(throughputPercentage, 'throughput'));

  const percentage = 'a whole percentage from 0 to 100';
  const values = [
    read(delay, 0, MAX_MILLISECONDS, `a whole number of milliseconds from 0 to ${MAX_MILLISECONDS}`),
    read(abort, 200, 599, 'an HTTP status from 200 to 599'),
    read(grpcStatus, 0, MAX_GRPC_CODE, `a gRPC status code from 0 to ${MAX_GRPC_CODE}`),
    read(throughput, 1, MAX_THROUGHPUT_KIBPS, `a whole number of KiB/s from 1 to ${MAX_THROUGHPUT_KIBPS}`),
    read(abortPercentage, 0, 100, percentage),
    read(delayPercentage, 0, 100, percentage),
    read(throughputPercentage, 0, 100, percentage),
  ] as const;
  const wrong = values.find((value) => typeof value === 'string');
  if (typeof wrong === 'string') return withProblem(wrong);
  // No value is a problem's text past this point.
  const [delayMs, status, code, kibps, abortChance, delayChance, throughputChance] = values as readonly (
    Asking | undefined
  )[];
  // A gRPC status answers gRPC calls only; an abort header (which wins over it) answers any request.
  if (code !== undefined && status === undefined && !grpcCall)
    return withProblem(notGrpcProblem(code, headers['content-type']));

  const result = emptyPlan();
  // Envoy rolls the rate limit, then the delay, then (after the delay) the abort; a zero delay is none.
  if (kibps && chosen(throughputChance, random)) {
    result.responseThroughput = kibps.value;
    result.fired.push({ by: kibps.by, action: 'throttle_response' });
  }
  if (delayMs && delayMs.value > 0 && chosen(delayChance, random)) {
    result.requestDelay = delayMs.value;
    result.fired.push({ by: delayMs.by, action: 'delay_request', ms: delayMs.value });
  }
  const answer = status ?? code;
  if (answer && chosen(abortChance, random)) {
    result.abort = answerFor(answer, answer === status, grpcCall);
    result.fired.push({ by: answer.by, action: answer === status ? 'abort' : 'grpc_status' });
  }
  return result.fired.length === 0 ? undefined : result;
}

/**
 * The answer a request asked for. Envoy's names get Envoy's answer: `fault filter abort` as a
 * text/plain body, or as the grpc-message. An HTTP status asked for on a gRPC call is answered
 * as Envoy does, in gRPC's terms (HTTP 200, the status gRPC maps it to, trailers-only), so the
 * client reads the status and the message rather than `Received HTTP status code 503`.
 */
function answerFor(answer: Asking, isHttpStatus: boolean, grpcCall: boolean): Abort {
  const { value, by } = answer;
  const envoy = by.name.startsWith('x-envoy-');
  if (isHttpStatus && !grpcCall) {
    return envoy
      ? {
          kind: 'respond',
          status: value,
          body: ENVOY_ABORT_TEXT,
          headers: { 'content-type': 'text/plain' },
          by,
        }
      : {
          kind: 'respond',
          status: value,
          body: `faultline: answered ${value} because the request asked for it with ${by.name}\n`,
          headers: { 'content-type': 'text/plain; charset=utf-8' },
          by,
        };
  }
  const code = isHttpStatus ? grpcCodeForHttpStatus(value) : value;
  const message = envoy ? ENVOY_ABORT_TEXT : `asked for with ${by.name}${isHttpStatus ? `: ${value}` : ''}`;
  return { kind: 'grpc', code, message, by };
}

/** A fault header's number, with who asked for it. */
interface Asking {
  value: number;
  by: { name: string; type: string };
}

/** The header's number; undefined when it was not sent; the 400's text when it is out of range. */
function read(
  header: HeaderValue | undefined,
  min: number,
  max: number,
  accepted: string,
): Asking | string | undefined {
  if (header === undefined) return undefined;
  const value = parseWhole(header.value, min, max);
  if (value === undefined) return problem(header, accepted);
  return { value, by: { name: header.name, type: 'header' } };
}

/** A percentage header's roll, as Envoy's: a whole percentage of 100, none meaning always. */
function chosen(percentage: Asking | undefined, random: RandomSource): boolean {
  if (percentage === undefined || percentage.value === 100) return true;
  return random.next() * 100 < percentage.value;
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
  plan.responseThroughput = asked.responseThroughput;
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

function withProblem(text: string): RequestPlan {
  const plan = emptyPlan();
  plan.problem = text;
  return plan;
}

function parseWhole(value: string | string[], min: number, max: number): number | undefined {
  const text = (Array.isArray(value) ? (value[0] ?? '') : value).trim();
  if (!/^\d{1,10}$/.test(text)) return undefined;
  const number = Number(text);
  return number >= min && number <= max ? number : undefined;
}

const ON_HERE = '(header-driven faults are on for this proxy)';

function problem(header: HeaderValue, accepted: string): string {
  return `faultline: invalid ${header.name} header: received ${JSON.stringify(header.value)}; expected ${accepted} ${ON_HERE}\n`;
}

function aloneProblem(header: HeaderValue, fault: 'abort' | 'delay' | 'throughput'): string {
  const with_ = {
    abort: 'an abort or gRPC status header',
    delay: 'a delay header',
    throughput: 'a throughput header',
  }[fault];
  return `faultline: ${header.name} (received ${JSON.stringify(header.value)}) without ${with_} has no fault to apply to; send it with ${askedBy[fault].join(' or ')} ${ON_HERE}\n`;
}

function bothNames(asked: Asked): string {
  const [own, envoy] = askedBy[asked];
  return `faultline: the request asks for the same fault twice, with ${own} and ${envoy}; send one of them ${ON_HERE}\n`;
}

function notGrpcProblem(code: Asking, contentType: string | string[] | undefined): string {
  const received =
    contentType === undefined ? 'no content-type' : `content-type ${JSON.stringify(contentType)}`;
  return `faultline: ${code.by.name} (received "${code.value}") answers gRPC calls only (content-type application/grpc or application/grpc+...), and this request has ${received}; send an HTTP status with ${code.by.name.startsWith('x-envoy-') ? askedBy.abort[1] : askedBy.abort[0]} instead ${ON_HERE}\n`;
}

function unknownHeader(header: string, value: string | string[]): string {
  const envoy = header.startsWith('x-envoy-fault-');
  const names = Object.values(askedBy).map((pair) => pair[envoy ? 1 : 0]);
  const advice = 'correct the name, or send it to a proxy without header_faults to pass it to the upstream';
  return `faultline: unknown header ${header} (received ${JSON.stringify(value)}): header-driven faults are on for this proxy, and ${envoy ? "Envoy's names for them" : 'they'} are ${names.join(', ')}; ${advice}\n`;
}
