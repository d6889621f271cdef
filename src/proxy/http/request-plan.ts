import type { JsonValue } from '../../model/toxics/definition.js';
import { matchesRequest, type RequestFacts } from '../../model/match.js';
import type { RandomSource } from '../../model/random.js';
import type { ToxicSpec } from '../../model/toxic.js';
import type { ProxyView } from '../proxy-view.js';
import { headerFaults, withAsked } from './header-faults.js';
import { addRewrite } from './toxics/http-modify.js';
import { requestToxicImplementations } from './toxics/index.js';
import type { HttpModifyAttributes } from '../../model/toxics/http-modify.js';

/** Header name → new value, or null to remove it. */
export type HeaderEdits = Record<string, string | null>;

/** Who decided part of the plan: a toxic, or a header-driven fault. */
export interface Actor {
  readonly name: string;
  readonly type: string;
  readonly toxic?: ToxicSpec;
}

/** One actor's part in a plan: what it did (`delay_request`, `abort`, …), and a delay's length. */
export interface Fired {
  readonly by: Actor;
  readonly action: string;
  readonly ms?: number;
}

export type Abort =
  | { kind: 'respond'; status: number; body: string; headers: Record<string, string>; by: Actor }
  | { kind: 'reset'; by: Actor }
  | { kind: 'grpc'; code: number; message: string; by: Actor };

/**
 * What the request toxics decided for one request, before anything is sent: the toxics add to
 * it in the order they were added, then the protocol carries it out.
 */
export interface RequestPlan {
  requestDelay: number;
  responseDelay: number;
  /** A response rate limit on the answer's body, in KiB/s (Envoy's x-envoy-fault-throughput-response). */
  responseThroughput: number | undefined;
  abort: Abort | undefined;
  requestHeaders: HeaderEdits;
  responseHeaders: HeaderEdits;
  status: number | undefined;
  /** The toxic whose status the plan carries: the one event that names that status. */
  statusBy: Actor | undefined;
  body: string | undefined;
  jsonPatch: JsonValue | undefined;
  /** The toxic whose body or json_patch the plan carries, to name it when the change is skipped. */
  bodyBy: Actor | undefined;
  /** Every actor that changed something, with what it did, for events; a delay with its `ms`. */
  fired: Fired[];
  /** A header-driven fault the request asked for wrongly: answered 400 with this text. */
  problem: string | undefined;
}

export function emptyPlan(): RequestPlan {
  return {
    requestDelay: 0,
    responseDelay: 0,
    responseThroughput: undefined,
    abort: undefined,
    requestHeaders: {},
    responseHeaders: {},
    status: undefined,
    statusBy: undefined,
    body: undefined,
    jsonPatch: undefined,
    bodyBy: undefined,
    fired: [],
    problem: undefined,
  };
}

/**
 * What has acted on a request once it is released at `stage`: the delays that held it, and on
 * the response side the request's rewrite, which went upstream.
 */
function actedBy(stage: 'request' | 'response'): readonly string[] {
  return stage === 'request' ? ['delay_request'] : ['delay_request', 'delay_response', 'modify'];
}

/**
 * Halt or reset stopped every fault while a delay held this request (`request`) or its answer
 * (`response`): it goes on with no further fault. Only what already acted stays reported.
 */
export function dropPendingFaults(plan: RequestPlan, stage: 'request' | 'response'): void {
  const acted = actedBy(stage);
  plan.fired = plan.fired.filter((fired) => acted.includes(fired.action));
  plan.abort = undefined;
  plan.responseDelay = 0;
  plan.responseThroughput = undefined;
  plan.responseHeaders = {};
  plan.status = undefined;
  plan.statusBy = undefined;
  plan.body = undefined;
  plan.bodyBy = undefined;
  plan.jsonPatch = undefined;
  if (stage === 'request') plan.requestHeaders = {};
}

/**
 * Toxics were removed or updated while a delay held this request (`request`) or its answer
 * (`response`): what they decided for it at arrival and had not done yet is dropped, as a
 * removed toxic no longer acts on anything; the toxics still on the proxy (`stillOn`) keep what
 * they decided. A header's fault has no toxic and stays.
 */
export function dropRemovedFaults(
  plan: RequestPlan,
  stage: 'request' | 'response',
  stillOn: (by: Actor) => boolean,
): void {
  const removed = plan.fired.filter(({ by }) => !stillOn(by));
  if (removed.length === 0) return;
  const acted = actedBy(stage);
  plan.fired = plan.fired.filter(({ by, action }) => stillOn(by) || acted.includes(action));
  if (plan.abort !== undefined && !stillOn(plan.abort.by)) plan.abort = undefined;
  plan.responseDelay = delayStillPlanned(plan, 'response', stillOn);
  if (!removed.some(({ action }) => action === 'modify')) return;
  // Rewrites merge into one: made again from the rewriting toxics still on, in their order.
  if (stage === 'request') plan.requestHeaders = {};
  plan.responseHeaders = {};
  plan.status = undefined;
  plan.statusBy = undefined;
  plan.body = undefined;
  plan.jsonPatch = undefined;
  plan.bodyBy = undefined;
  for (const { by, action } of plan.fired) {
    if (action === 'modify' && by.toxic !== undefined && stillOn(by))
      addRewrite(plan, by.toxic.attributes as HttpModifyAttributes, by, stage);
  }
}

/** How long the delays still on the proxy (and the request's own header) hold it at `stage`. */
export function delayStillPlanned(
  plan: RequestPlan,
  stage: 'request' | 'response',
  stillOn: (by: Actor) => boolean,
): number {
  const action = `delay_${stage}`;
  let ms = 0;
  for (const fired of plan.fired) if (fired.action === action && stillOn(fired.by)) ms += fired.ms ?? 0;
  return ms;
}

/**
 * Whether the toxic behind an actor is still on the proxy as it was when the request was
 * planned (an update replaces it); a header's fault has no toxic, so always.
 */
export function stillOnProxy(proxy: ProxyView): (by: Actor) => boolean {
  return (by) => by.toxic === undefined || proxy.requestToxics.includes(by.toxic);
}

/** A seeded random source per toxic, so toxicity and jitter decisions repeat with the seed. */
export class ToxicRandoms {
  private readonly byToxic = new WeakMap<ToxicSpec, RandomSource>();
  private headerSource: RandomSource | undefined;
  constructor(private readonly random: RandomSource) {}
  /** The source of the fault headers' percentage rolls. */
  get headers(): RandomSource {
    this.headerSource ??= this.random.fork('request/headers');
    return this.headerSource;
  }
  of(toxic: ToxicSpec): RandomSource {
    let source = this.byToxic.get(toxic);
    if (!source) {
      source = this.random.fork(`request/${toxic.name}`);
      this.byToxic.set(toxic, source);
    }
    return source;
  }
}

/**
 * Decides what happens to one request; undefined when nothing does (the fast path). A toxic
 * applies when its match selects the request, its counters let it through, and the toxicity
 * roll (per request) succeeds.
 */
export function planRequest(
  proxy: ProxyView,
  facts: RequestFacts,
  randoms: ToxicRandoms,
): RequestPlan | undefined {
  // The headers are checked first: a bad one is a 400 whatever the toxics would do.
  const asked = proxy.headerFaults ? headerFaults(facts.headers, randoms.headers) : undefined;
  if (asked?.problem !== undefined) return asked;
  let plan: RequestPlan | undefined;
  for (const toxic of proxy.requestToxics) {
    // A request that asked for its own answer meets only the toxics that hold it on its way.
    if (asked?.abort !== undefined && !holdsRequest(toxic)) continue;
    const implementation =
      requestToxicImplementations[toxic.type as keyof typeof requestToxicImplementations];
    if (implementation.appliesTo && !implementation.appliesTo(facts)) continue;
    if (!matchesRequest(toxic.match, facts) || !proxy.countSelected(toxic)) continue;
    const random = randoms.of(toxic);
    if (toxic.toxicity < 1 && random.next() >= toxic.toxicity) continue;
    plan ??= emptyPlan();
    implementation.plan(plan, toxic.attributes, {
      random,
      by: { name: toxic.name, type: toxic.type, toxic },
    });
    if (plan.abort) break;
  }
  // A request delay acts as the toxics decide: counted as it starts to hold the request. The
  // rest act later, if at all (the client may leave, the upstream may not answer), and are
  // counted when the request is reported (reportFired), as their http.fault events are.
  if (plan !== undefined)
    for (const { by, action } of actedFaults(plan))
      if (action === 'delay_request') proxy.countAction(by.toxic!);
  return withAsked(plan, asked);
}

/**
 * What acted on the request once it was answered. An abort answers in place of the upstream:
 * of the faults planned with it, only the request delays acted (they held the request first);
 * an http_modify's rewrite or a response delay had no request going upstream and no answer
 * coming back to act on, so reporting them would say they did what they did not.
 */
export function actedFaults(plan: RequestPlan): readonly Fired[] {
  const abort = plan.abort;
  if (abort === undefined) return plan.fired;
  return plan.fired.filter(({ by, action }) => by === abort.by || action === 'delay_request');
}

/**
 * What acted on a request the client got the proxy's own 502 or 504 for (the upstream could not
 * be reached, failed before its response headers, or cut an answer held whole to rewrite): the
 * request delays that held it, the http_modify toxics whose request headers went with it, and
 * the response delays when their hold had ended (`answerHeld`) before the 502 went out. A
 * response rewrite or rate limit did nothing to the proxy's answer, nor did a response delay
 * still holding an answer that then failed.
 */
export function actedWithoutAnswer(plan: RequestPlan, answerHeld: boolean): readonly Fired[] {
  return actedFaults(plan).filter(
    ({ by, action }) =>
      action === 'delay_request' ||
      (action === 'delay_response' && answerHeld) ||
      (action === 'modify' && rewritesRequest(by)),
  );
}

function rewritesRequest(by: Actor): boolean {
  const edits = (by.toxic?.attributes as HttpModifyAttributes | undefined)?.request_headers;
  return Object.keys(edits ?? {}).length > 0;
}

function holdsRequest(toxic: ToxicSpec): boolean {
  return toxic.type === 'http_delay' && (toxic.attributes as { stage?: string }).stage !== 'response';
}
