import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import zlib from 'node:zlib';
import { CounterState, type RequestFacts } from '../src/model/match.js';
import type { RandomSource } from '../src/model/random.js';
import { parseToxicCreate, type ToxicSpec } from '../src/model/toxic.js';
import { dropsFaultHeaders, headerFaults, withAsked } from '../src/proxy/http/header-faults.js';
import {
  actedWithoutAnswer,
  delayStillPlanned,
  dropPendingFaults,
  dropRemovedFaults,
  emptyPlan,
  planRequest,
  type RequestPlan,
  stillOnProxy,
  ToxicRandoms,
} from '../src/proxy/http/request-plan.js';
import {
  describeSentBody,
  editHeaders,
  MAX_REWRITE_BYTES,
  NOT_JSON,
  replacesBody,
  rewriteBody,
  rewritesBody,
  TOO_LARGE_TO_PATCH,
} from '../src/proxy/http/rewrite.js';
import type { ProxyView } from '../src/proxy/proxy-view.js';
import { scripted } from './scripted-random.js';

/** A random source per label that plays back a script; `forks` records every fork asked for. */
function scriptedRandoms(script: Record<string, number[]>, ints: number[] = []) {
  const forks: string[] = [];
  const source = (label: string): RandomSource => ({
    seed: 0,
    next() {
      const value = script[label]?.shift();
      if (value === undefined) throw new Error(`the test scripted too few rolls for ${label}`);
      return value;
    },
    int(min, max) {
      const value = ints.shift();
      if (value === undefined) throw new Error(`the test scripted too few integers (asked ${min}..${max})`);
      return value;
    },
    fork: () => {
      throw new Error('a toxic source is not forked again');
    },
  });
  const root: RandomSource = {
    seed: 0,
    next: () => {
      throw new Error('the root source is only forked');
    },
    int: () => {
      throw new Error('the root source is only forked');
    },
    fork(label) {
      forks.push(label);
      return source(label);
    },
  };
  return { randoms: new ToxicRandoms(root), forks };
}

/**
 * The parts of a proxy planRequest reads: its request toxics, the header_faults switch, and the
 * counters, which are real (CounterState) so first/after/every count what the plan asks them.
 */
function proxyWith(toxics: ToxicSpec[], headerFaultsOn = false) {
  const selected: string[] = [];
  const actions: string[] = [];
  const counters = new Map<ToxicSpec, CounterState>();
  const view = {
    requestToxics: toxics,
    headerFaults: headerFaultsOn,
    countSelected(toxic: ToxicSpec) {
      selected.push(toxic.name);
      const state = counters.get(toxic) ?? new CounterState();
      counters.set(toxic, state);
      return state.take(toxic.counter);
    },
    countAction(toxic: ToxicSpec) {
      actions.push(toxic.name);
    },
  };
  return { proxy: view as unknown as ProxyView, selected, actions };
}

const request = (overrides: Partial<RequestFacts> = {}): RequestFacts => ({
  method: 'GET',
  path: '/orders',
  query: '',
  headers: {},
  client: '127.0.0.1',
  ...overrides,
});

const grpcRequest = (headers: RequestFacts['headers'] = {}) =>
  request({ method: 'POST', headers: { 'content-type': 'application/grpc', ...headers } });

const toxic = (body: object) => parseToxicCreate(body);

const delay = (name: string, ms: number, extra: object = {}) =>
  toxic({ type: 'http_delay', name, attributes: { delay: ms }, ...extra });

const abort = (name: string, status: number, extra: object = {}) =>
  toxic({ type: 'http_abort', name, attributes: { status, body: 'no' }, ...extra });

/** A plan in which nothing was decided, written out here rather than taken from emptyPlan(). */
const nothingPlanned = (): RequestPlan => ({
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
});

/** What a plan says, without the actors' toxic specs, for exact comparisons. */
const firedBy = (plan: RequestPlan | undefined) =>
  plan?.fired.map(({ by, action }) => `${by.name}:${by.type}:${action}`);

describe('planRequest: which request toxics fire', () => {
  test('no request toxics and header faults off: no plan at all, even with fault headers', () => {
    const { proxy } = proxyWith([]);
    const { randoms, forks } = scriptedRandoms({});
    const facts = request({ headers: { 'x-faultline-abort': '503', 'x-faultline-delay': '5' } });
    assert.equal(planRequest(proxy, facts, randoms), undefined);
    assert.deepEqual(forks, []);
  });

  test('a toxic that applies makes a plan; it is counted as selected and as acted', () => {
    const { proxy, selected, actions } = proxyWith([delay('slow', 40)]);
    const { randoms } = scriptedRandoms({});
    const plan = planRequest(proxy, request(), randoms);
    assert.deepEqual(plan, {
      ...nothingPlanned(),
      requestDelay: 40,
      fired: [
        {
          by: { name: 'slow', type: 'http_delay', toxic: proxy.requestToxics[0] },
          action: 'delay_request',
          ms: 40,
        },
      ],
    });
    assert.deepEqual([selected, actions], [['slow'], ['slow']]);
  });

  test('a toxic whose match does not select the request is skipped before its counters', () => {
    const onlyPost = delay('post-only', 10, { attributes: { delay: 10, match: { method: ['POST'] } } });
    const { proxy, selected, actions } = proxyWith([onlyPost]);
    const { randoms, forks } = scriptedRandoms({});
    assert.equal(planRequest(proxy, request({ method: 'GET' }), randoms), undefined);
    assert.deepEqual([selected, actions, forks], [[], [], []]);
    assert.equal(planRequest(proxy, request({ method: 'POST' }), randoms)?.requestDelay, 10);
    assert.deepEqual([selected, actions], [['post-only'], ['post-only']]);
  });

  test('counters see only the requests the match selects: after 1, every 2, first 2 fire on the 3rd and 5th', () => {
    const counted = delay('counted', 7, {
      attributes: { delay: 7, match: { path: '/orders' }, after: 1, every: 2, first: 2 },
    });
    const { proxy, actions } = proxyWith([counted]);
    const { randoms } = scriptedRandoms({});
    const delays: number[] = [];
    for (let i = 1; i <= 8; i++) {
      // A request the match skips between each one: it must not move the counters.
      assert.equal(planRequest(proxy, request({ path: '/health' }), randoms), undefined);
      delays.push(planRequest(proxy, request(), randoms)?.requestDelay ?? 0);
    }
    assert.deepEqual(delays, [0, 0, 7, 0, 7, 0, 0, 0]);
    assert.deepEqual(actions, ['counted', 'counted']);
  });

  test('toxicity is rolled per request after the counters: below it applies, at or above it does not', () => {
    const half = delay('half', 5, { toxicity: 0.5 });
    const { proxy, selected, actions } = proxyWith([half]);
    const { randoms, forks } = scriptedRandoms({ 'request/half': [0.49, 0.5, 0.9, 0] });
    const delays = [1, 2, 3, 4].map(() => planRequest(proxy, request(), randoms)?.requestDelay);
    assert.deepEqual(delays, [5, undefined, undefined, 5]);
    assert.deepEqual(selected, ['half', 'half', 'half', 'half']);
    assert.deepEqual(actions, ['half', 'half']);
    assert.deepEqual(forks, ['request/half'], 'one source per toxic, forked once by its name');
  });

  test('a delay that comes to 0 ms holds nothing and is no fault, as a header delay of 0', () => {
    const jittered = delay('jittered', 5, { attributes: { delay: 5, jitter: 10 } });
    const { proxy, selected, actions } = proxyWith([delay('none', 0), jittered]);
    // The jitter rolls -10, then +3: 5 - 10 is held as 0, 5 + 3 as 8.
    const { randoms } = scriptedRandoms({}, [-10, 3]);
    const held = planRequest(proxy, request(), randoms);
    assert.deepEqual([held?.requestDelay, firedBy(held)], [0, []]);
    const later = planRequest(proxy, request(), randoms);
    assert.deepEqual([later?.requestDelay, firedBy(later)], [8, ['jittered:http_delay:delay_request']]);
    assert.deepEqual(selected, ['none', 'jittered', 'none', 'jittered']);
    assert.deepEqual(actions, ['jittered']);
  });

  test('toxicity 1 draws no roll; toxicity 0 never fires', () => {
    const { proxy } = proxyWith([delay('always', 3), delay('never', 9, { toxicity: 0 })]);
    // "always" has no rolls scripted: a roll for it would throw.
    const { randoms } = scriptedRandoms({ 'request/never': [0, 0] });
    assert.equal(planRequest(proxy, request(), randoms)?.requestDelay, 3);
    assert.equal(planRequest(proxy, request(), randoms)?.requestDelay, 3);
  });

  test('a toxic counter turned away draws no toxicity roll', () => {
    const once = delay('once', 2, { toxicity: 0.5, attributes: { delay: 2, first: 1 } });
    const { proxy } = proxyWith([once]);
    const { randoms } = scriptedRandoms({ 'request/once': [0.1] });
    assert.equal(planRequest(proxy, request(), randoms)?.requestDelay, 2);
    // The second request: the counter says no; a roll would throw (none scripted).
    assert.equal(planRequest(proxy, request(), randoms), undefined);
  });

  test('each toxic rolls on its own source', () => {
    const first = delay('a', 1, { toxicity: 0.5 });
    const second = delay('b', 10, { toxicity: 0.5 });
    const { proxy } = proxyWith([first, second]);
    const { randoms, forks } = scriptedRandoms({ 'request/a': [0.9, 0.1], 'request/b': [0.1, 0.9] });
    assert.equal(planRequest(proxy, request(), randoms)?.requestDelay, 10);
    assert.equal(planRequest(proxy, request(), randoms)?.requestDelay, 1);
    assert.deepEqual(forks, ['request/a', 'request/b']);
  });

  test('delays add up, in the order the toxics were added', () => {
    const { proxy } = proxyWith([delay('one', 10), delay('two', 25)]);
    const plan = planRequest(proxy, request(), scriptedRandoms({}).randoms);
    assert.equal(plan?.requestDelay, 35);
    assert.deepEqual(firedBy(plan), ['one:http_delay:delay_request', 'two:http_delay:delay_request']);
  });

  test('an abort ends the plan: toxics after it neither apply nor count as acted', () => {
    const { proxy, selected, actions } = proxyWith([
      delay('before', 4),
      abort('stop', 503),
      delay('after', 6),
    ]);
    const plan = planRequest(proxy, request(), scriptedRandoms({}).randoms);
    assert.equal(plan?.requestDelay, 4);
    assert.deepEqual(plan?.abort, {
      kind: 'respond',
      status: 503,
      body: 'no',
      headers: { 'content-type': 'text/plain; charset=utf-8' },
      by: { name: 'stop', type: 'http_abort', toxic: proxy.requestToxics[1] },
    });
    assert.deepEqual(firedBy(plan), ['before:http_delay:delay_request', 'stop:http_abort:abort']);
    // The request delay is counted as it starts to hold; the abort when it answers (reportFired).
    assert.deepEqual([selected, actions], [['before', 'stop'], ['before']]);
  });

  test('a gRPC status toxic skips a request that is no gRPC call, before its match and counters', () => {
    const grpc = toxic({ type: 'grpc_status', name: 'unavailable', attributes: { code: 14, first: 1 } });
    const { proxy, selected } = proxyWith([grpc]);
    const { randoms } = scriptedRandoms({});
    assert.equal(planRequest(proxy, request({ method: 'POST' }), randoms), undefined);
    assert.deepEqual(selected, []);
    const plan = planRequest(proxy, grpcRequest(), randoms);
    assert.deepEqual(plan?.abort, {
      kind: 'grpc',
      code: 14,
      message: '',
      by: { name: 'unavailable', type: 'grpc_status', toxic: grpc },
    });
    assert.deepEqual(selected, ['unavailable']);
  });

  test('with header faults on, the request headers add to what the toxics planned', () => {
    const { proxy } = proxyWith([delay('slow', 10)], true);
    const plan = planRequest(
      proxy,
      request({ headers: { 'x-faultline-delay': '15' } }),
      scriptedRandoms({}).randoms,
    );
    assert.equal(plan?.requestDelay, 25);
    assert.deepEqual(firedBy(plan), [
      'slow:http_delay:delay_request',
      'x-faultline-delay:header:delay_request',
    ]);
  });

  test('with header faults on and no request toxics, only a request with fault headers gets a plan', () => {
    const { proxy } = proxyWith([], true);
    const { randoms } = scriptedRandoms({});
    assert.equal(planRequest(proxy, request(), randoms), undefined);
    assert.equal(
      planRequest(proxy, request({ headers: { 'x-faultline-delay': '8' } }), randoms)?.requestDelay,
      8,
    );
  });

  test('with header faults off, fault headers do nothing to a plan the toxics made', () => {
    const { proxy } = proxyWith([delay('slow', 10)], false);
    const facts = request({ headers: { 'x-faultline-delay': '15', 'x-faultline-abort': '500' } });
    const plan = planRequest(proxy, facts, scriptedRandoms({}).randoms);
    assert.deepEqual(
      [plan?.requestDelay, plan?.abort, firedBy(plan)],
      [10, undefined, ['slow:http_delay:delay_request']],
    );
  });
});

describe('ToxicRandoms', () => {
  test('forks one source per toxic, by its name, and keeps it for later requests', () => {
    const { randoms, forks } = scriptedRandoms({ 'request/a': [0.25, 0.75] });
    const a = delay('a', 1);
    const source = randoms.of(a);
    assert.equal(randoms.of(a), source);
    assert.deepEqual([source.next(), randoms.of(a).next()], [0.25, 0.75]);
    randoms.of(delay('b', 1));
    assert.deepEqual(forks, ['request/a', 'request/b']);
  });
});

/** The fault headers alone, where no percentage is sent: a roll would be a bug. */
const noRolls: RandomSource = {
  seed: 0,
  next: () => {
    throw new Error('a fault header without a percentage is never rolled');
  },
  int: () => {
    throw new Error('a fault header is never rolled for an integer');
  },
  fork: () => {
    throw new Error('the header source is not forked');
  },
};
const asked = (headers: RequestFacts['headers'], random: RandomSource = noRolls) =>
  headerFaults(headers, random);

describe('headerFaults: Envoy-style fault headers', () => {
  const problemText = (header: string, shown: string, accepted: string) =>
    `faultline: invalid ${header} header: received ${shown}; expected ${accepted} (header-driven faults are on for this proxy)\n`;
  const delayRange = 'a whole number of milliseconds from 0 to 86400000';

  test('emptyPlan: nothing decided', () => {
    assert.deepEqual(emptyPlan(), nothingPlanned());
    assert.notEqual(emptyPlan().fired, emptyPlan().fired, 'each plan has its own lists');
  });

  test('no fault header: no plan', () => {
    assert.equal(asked({ 'x-other': '1' }), undefined);
    assert.equal(asked({}), undefined);
  });

  test('x-faultline-delay asks for a request delay, from 0 to 86400000 ms, spaces trimmed', () => {
    const plan = asked({ 'x-faultline-delay': ' 86400000 ' });
    assert.deepEqual(plan, {
      ...nothingPlanned(),
      requestDelay: 86_400_000,
      fired: [{ by: { name: 'x-faultline-delay', type: 'header' }, action: 'delay_request', ms: 86_400_000 }],
    });
    assert.equal(asked({ 'x-faultline-delay': ['12', '900'] })?.requestDelay, 12);
  });

  test('a delay of 0 ms is no fault, as in Envoy: no plan, nothing reported', () => {
    assert.equal(asked({ 'x-faultline-delay': '0' }), undefined);
    assert.equal(
      asked({ 'x-envoy-fault-delay-request': '0', 'x-envoy-fault-delay-request-percentage': '50' }),
      undefined,
    );
  });

  test('a bad x-faultline-delay is a problem, named with what was received, and stops there', () => {
    for (const [value, shown] of [
      ['86400001', '"86400001"'],
      ['-1', '"-1"'],
      ['1.5', '"1.5"'],
      ['1e3', '"1e3"'],
      ['', '""'],
      ['12345678901', '"12345678901"'],
      ['5ms', '"5ms"'],
      ['x5', '"x5"'],
    ] as const) {
      const plan = asked({ 'x-faultline-delay': value, 'x-faultline-abort': '503' });
      assert.deepEqual(
        plan,
        { ...nothingPlanned(), problem: problemText('x-faultline-delay', shown, delayRange) },
        `delay ${shown}`,
      );
    }
    const listed = asked({ 'x-faultline-delay': [] as string[] });
    assert.equal(listed?.problem, problemText('x-faultline-delay', '[]', delayRange));
  });

  test('x-faultline-abort answers with the status asked for, from 200 to 599', () => {
    for (const status of [200, 599]) {
      const plan = asked({ 'x-faultline-abort': String(status) });
      assert.deepEqual(plan, {
        ...nothingPlanned(),
        abort: {
          kind: 'respond',
          status,
          body: `faultline: answered ${status} because the request asked for it with x-faultline-abort\n`,
          headers: { 'content-type': 'text/plain; charset=utf-8' },
          by: { name: 'x-faultline-abort', type: 'header' },
        },
        fired: [{ by: { name: 'x-faultline-abort', type: 'header' }, action: 'abort' }],
      });
    }
    // Eleven digits are refused even where the number is in range; ten are read.
    assert.equal(asked({ 'x-faultline-abort': '0000000503' })?.abort?.kind, 'respond');
    for (const value of ['199', '600', 'busy', '00000000503']) {
      assert.equal(
        asked({ 'x-faultline-abort': value })?.problem,
        problemText('x-faultline-abort', JSON.stringify(value), 'an HTTP status from 200 to 599'),
      );
    }
  });

  test('delay and abort headers together: both fire, the delay first', () => {
    const plan = asked({ 'x-faultline-delay': '20', 'x-faultline-abort': '502' });
    assert.deepEqual(
      [plan?.requestDelay, plan?.abort?.kind, plan?.fired.map((fired) => fired.action)],
      [20, 'respond', ['delay_request', 'abort']],
    );
  });

  test('every fault header is checked, even one an abort header makes moot', () => {
    assert.equal(
      asked(grpcRequest({ 'x-faultline-abort': '503', 'x-faultline-grpc-status': 'bad' }).headers)?.problem,
      problemText('x-faultline-grpc-status', '"bad"', 'a gRPC status code from 0 to 4294967295'),
    );
  });

  test('x-faultline-grpc-status answers a gRPC call with the code, any 32-bit one as Envoy takes', () => {
    for (const code of [0, 16, 4_294_967_295]) {
      const plan = asked(grpcRequest({ 'x-faultline-grpc-status': String(code) }).headers);
      assert.deepEqual(plan, {
        ...nothingPlanned(),
        abort: {
          kind: 'grpc',
          code,
          message: 'asked for with x-faultline-grpc-status',
          by: { name: 'x-faultline-grpc-status', type: 'header' },
        },
        fired: [{ by: { name: 'x-faultline-grpc-status', type: 'header' }, action: 'grpc_status' }],
      });
    }
    assert.equal(
      asked(grpcRequest({ 'x-faultline-grpc-status': '4294967296' }).headers)?.problem,
      problemText('x-faultline-grpc-status', '"4294967296"', 'a gRPC status code from 0 to 4294967295'),
    );
  });

  test('a gRPC status header on a request that is no gRPC call is a 400 saying so, not ignored', () => {
    assert.equal(
      asked({ 'x-faultline-grpc-status': '14' })?.problem,
      'faultline: x-faultline-grpc-status (received "14") answers gRPC calls only (content-type application/grpc or application/grpc+...), and this request has no content-type; send an HTTP status with x-faultline-abort instead (header-driven faults are on for this proxy)\n',
    );
    const json = { 'content-type': 'application/json', 'x-envoy-fault-abort-grpc-request': '14' };
    assert.equal(
      asked(json)?.problem,
      'faultline: x-envoy-fault-abort-grpc-request (received "14") answers gRPC calls only (content-type application/grpc or application/grpc+...), and this request has content-type "application/json"; send an HTTP status with x-envoy-fault-abort-request instead (header-driven faults are on for this proxy)\n',
    );
    const withAbort = asked({ 'x-faultline-grpc-status': '14', 'x-faultline-abort': '503' });
    assert.equal(withAbort?.abort?.kind, 'respond', 'an abort header answers any request, and wins');
  });

  test('an HTTP status asked on a gRPC call is answered in gRPC terms, the status mapped as gRPC maps it', () => {
    const mapped = (status: string, name = 'x-faultline-abort') =>
      asked(grpcRequest({ [name]: status }).headers)?.abort;
    assert.deepEqual(mapped('503'), {
      kind: 'grpc',
      code: 14,
      message: 'asked for with x-faultline-abort: 503',
      by: { name: 'x-faultline-abort', type: 'header' },
    });
    assert.deepEqual(mapped('429', 'x-envoy-fault-abort-request'), {
      kind: 'grpc',
      code: 14,
      message: 'fault filter abort',
      by: { name: 'x-envoy-fault-abort-request', type: 'header' },
    });
    const codes = ['400', '401', '403', '404', '429', '502', '503', '504', '500', '200'].map((status) => {
      const abort = mapped(status);
      return abort?.kind === 'grpc' ? abort.code : undefined;
    });
    assert.deepEqual(codes, [13, 16, 7, 12, 14, 14, 14, 14, 2, 2]);
    assert.deepEqual(
      asked(grpcRequest({ 'x-faultline-abort': '503' }).headers)?.fired.map((fired) => fired.action),
      ['abort'],
    );
  });

  test('gRPC content types: application/grpc, +proto and ;parameters, any case; not grpc-web', () => {
    const code = (type: string | string[]) =>
      asked({ 'content-type': type, 'x-faultline-grpc-status': '3' })?.abort;
    const grpc = (abort: RequestPlan['abort']) => (abort?.kind === 'grpc' ? abort.code : undefined);
    assert.deepEqual(
      [
        grpc(code(' Application/GRPC ')),
        grpc(code('application/grpc+proto')),
        grpc(code('application/grpc; charset=utf-8')),
        grpc(code(['application/grpc', 'text/plain'])),
        grpc(code('application/grpc-web')),
        grpc(code('text/plain')),
      ],
      [3, 3, 3, 3, undefined, undefined],
    );
  });

  test('an abort header wins over a gRPC status header on the same call', () => {
    const plan = asked(grpcRequest({ 'x-faultline-abort': '503', 'x-faultline-grpc-status': '5' }).headers);
    assert.deepEqual(
      [plan?.abort?.kind === 'grpc' && plan.abort.code, plan?.fired.map((fired) => fired.action)],
      [14, ['abort']],
    );
  });
});

describe('http_modify in a plan: the last body change wins and is named', () => {
  const modify = (name: string, attributes: object) => toxic({ type: 'http_modify', name, attributes });

  test('a JSON patch after a replacement body drops it; the plan names the toxic that set the body', () => {
    const { proxy } = proxyWith([modify('first', { body: 'x' }), modify('second', { json_patch: { a: 1 } })]);
    const plan = planRequest(proxy, request(), scriptedRandoms({}).randoms);
    assert.deepEqual([plan?.body, plan?.jsonPatch, plan?.bodyBy?.name], [undefined, { a: 1 }, 'second']);
  });

  test('a replacement body after a JSON patch drops it; a toxic with neither leaves the body alone', () => {
    const { proxy } = proxyWith([
      modify('first', { json_patch: { a: 1 } }),
      modify('second', { body: 'x' }),
      modify('third', { status: 201 }),
    ]);
    const plan = planRequest(proxy, request(), scriptedRandoms({}).randoms);
    assert.deepEqual(
      [plan?.body, plan?.jsonPatch, plan?.bodyBy?.name, plan?.status],
      ['x', undefined, 'second', 201],
    );
  });
});

describe('rewrite: bodies and headers', () => {
  const planWith = (changes: Partial<RequestPlan>): RequestPlan => ({ ...nothingPlanned(), ...changes });

  test('bodies are held to be rewritten up to the documented 16 MiB', () => {
    assert.equal(MAX_REWRITE_BYTES, 16_777_216);
  });

  test('rewritesBody: only a plan with a body or a JSON patch holds the body back', () => {
    assert.deepEqual(
      [
        rewritesBody(undefined),
        rewritesBody(emptyPlan()),
        rewritesBody(planWith({ status: 500, requestDelay: 5 })),
        rewritesBody(planWith({ body: '' })),
        rewritesBody(planWith({ jsonPatch: {} })),
      ],
      [false, false, false, true, true],
    );
  });

  test("describeSentBody: the length of the body sent, and none of the old body's coding, validator or digests", () => {
    const upstream = () => ({
      'content-type': 'application/json',
      'content-encoding': 'gzip',
      etag: '"v1"',
      'content-md5': 'old',
      digest: 'sha-256=old',
      'content-digest': 'sha-256=:old:',
      'repr-digest': 'sha-256=:old:',
      'content-length': '99',
    });
    const changed = upstream();
    describeSentBody(changed, Buffer.from('four'), undefined, {});
    assert.deepEqual(changed, { 'content-type': 'application/json', 'content-length': '4' });
    const own = upstream();
    describeSentBody(own, Buffer.from('four'), undefined, { etag: '"mine"', 'x-other': 'y' });
    assert.deepEqual(own, { 'content-type': 'application/json', etag: '"v1"', 'content-length': '4' });
    const skipped = upstream();
    describeSentBody(skipped, Buffer.from('original'), 'json_patch: the body is not JSON', {});
    assert.deepEqual(skipped, { ...upstream(), 'content-length': '8' });
  });

  test('a replacement body replaces whatever came, JSON or not', () => {
    const replaced = rewriteBody(Buffer.from('{"a":1}'), planWith({ body: 'new' }));
    assert.deepEqual([replaced.body.toString(), replaced.skipped], ['new', undefined]);
    const emptied = rewriteBody(Buffer.from('{"a":1}'), planWith({ body: '' }));
    assert.deepEqual([emptied.body.toString(), emptied.skipped], ['', undefined]);
  });

  test('replacesBody: only a replacement body, which needs none of the original, at any size', () => {
    assert.deepEqual(
      [
        replacesBody(undefined),
        replacesBody(emptyPlan()),
        replacesBody(planWith({ jsonPatch: { a: 1 } })),
        replacesBody(planWith({ body: '' })),
      ],
      [false, false, false, true],
    );
  });

  test('a JSON merge patch: objects merge by key, null removes, anything else replaces', () => {
    const original = Buffer.from('{"id":7,"user":{"name":"ada","role":"admin"},"tags":["a"],"gone":true}');
    const patch = { user: { role: null, team: 'ops' }, tags: ['b'], gone: null, added: 1 };
    const patched = rewriteBody(original, planWith({ jsonPatch: patch }));
    assert.deepEqual(
      [patched.body.toString(), patched.skipped],
      ['{"id":7,"user":{"name":"ada","team":"ops"},"tags":["b"],"added":1}', undefined],
    );
  });

  test('a body that is not JSON passes unchanged (the same buffer) and says why; no patch changes nothing', () => {
    const text = Buffer.from('not json');
    const passed = rewriteBody(text, planWith({ jsonPatch: { a: 1 } }));
    assert.equal(passed.body, text);
    assert.equal(passed.skipped, 'json_patch: the body is not JSON; it passed unchanged');
    assert.equal(NOT_JSON, passed.skipped);
    const json = Buffer.from('{"a":1}');
    assert.deepEqual(rewriteBody(json, emptyPlan()), { body: json, skipped: undefined });
  });

  test('the reason a body over the limit passed unchanged names the limit', () => {
    assert.equal(
      TOO_LARGE_TO_PATCH,
      'json_patch: the body is over the 16777216 bytes (16 MiB) a patch holds; it passed unchanged',
    );
  });

  test('a JSON body the upstream compressed is decoded, patched and sent as it is (identity)', () => {
    const json = '{"a":1,"b":{"c":2}}';
    const patch = planWith({ jsonPatch: { a: null, b: { d: 3 } } });
    const patched = '{"b":{"c":2,"d":3}}';
    const encoders: Record<string, (data: Buffer) => Buffer> = {
      gzip: (data) => zlib.gzipSync(data),
      'x-gzip': (data) => zlib.gzipSync(data),
      deflate: (data) => zlib.deflateSync(data),
      br: (data) => zlib.brotliCompressSync(data),
      identity: (data) => data,
    };
    for (const [encoding, encode] of Object.entries(encoders)) {
      const result = rewriteBody(encode(Buffer.from(json)), patch, encoding.toUpperCase());
      assert.deepEqual([encoding, result.body.toString(), result.skipped], [encoding, patched, undefined]);
    }
    const raw = rewriteBody(zlib.deflateRawSync(Buffer.from(json)), patch, 'deflate');
    assert.deepEqual([raw.body.toString(), raw.skipped], [patched, undefined]);
    const twice = zlib.brotliCompressSync(zlib.gzipSync(Buffer.from(json)));
    const layered = rewriteBody(twice, patch, ['gzip , br']);
    assert.deepEqual([layered.body.toString(), layered.skipped], [patched, undefined]);
    const repeated = rewriteBody(twice, patch, ['gzip', 'br']);
    assert.deepEqual([repeated.body.toString(), repeated.skipped], [patched, undefined]);
    const noEncoding = rewriteBody(Buffer.from(json), patch, '');
    assert.deepEqual([noEncoding.body.toString(), noEncoding.skipped], [patched, undefined]);
  });

  test('a body the proxy cannot decode passes unchanged, and the reason names the encoding', () => {
    const patch = planWith({ jsonPatch: { a: 1 } });
    const zstd = Buffer.from('(\xb5/\xfd...');
    const unknown = rewriteBody(zstd, patch, 'zstd');
    assert.equal(unknown.body, zstd);
    assert.equal(
      unknown.skipped,
      'json_patch: the body is zstd-encoded (content-encoding: zstd), which the proxy does not decode (it decodes gzip, deflate and br); it passed unchanged',
    );
    const broken = Buffer.from('not gzip');
    const bad = rewriteBody(broken, patch, 'gzip');
    assert.equal(bad.body, broken);
    assert.match(
      bad.skipped ?? '',
      /^json_patch: the body is not valid gzip \(content-encoding: gzip\): .+; it passed unchanged$/,
    );
    const text = zlib.gzipSync(Buffer.from('not json'));
    const notJson = rewriteBody(text, patch, 'gzip');
    assert.deepEqual([notJson.body, notJson.skipped], [text, NOT_JSON]);
    const bomb = zlib.gzipSync(Buffer.alloc(MAX_REWRITE_BYTES + 1, 0x20));
    const large = rewriteBody(bomb, patch, 'gzip');
    assert.deepEqual([large.body, large.skipped], [bomb, TOO_LARGE_TO_PATCH]);
    const replaced = rewriteBody(broken, planWith({ body: 'new' }), 'gzip');
    assert.deepEqual([replaced.body.toString(), replaced.skipped], ['new', undefined]);
  });

  test('editHeaders sets, replaces and removes (null) in place; other headers stay', () => {
    const headers: Record<string, string | string[] | undefined> = {
      'content-type': 'text/plain',
      'x-trace': 'abc',
      'set-cookie': ['a=1', 'b=2'],
    };
    editHeaders(headers, { 'x-trace': 'def', 'set-cookie': null, 'x-added': '1', 'x-absent': null });
    assert.deepEqual(headers, { 'content-type': 'text/plain', 'x-trace': 'def', 'x-added': '1' });
  });
});

describe('dropPendingFaults: halt or reset released a held request', () => {
  const everything = (): RequestPlan => {
    const by = (name: string) => ({ name, type: 'test' });
    return {
      requestDelay: 100,
      responseDelay: 200,
      responseThroughput: 64,
      abort: { kind: 'respond', status: 503, body: 'no', headers: {}, by: by('fail') },
      requestHeaders: { 'x-up': '1' },
      responseHeaders: { 'x-down': '1' },
      status: 418,
      statusBy: by('edit'),
      body: 'new',
      bodyBy: by('edit'),
      jsonPatch: { a: 1 },
      fired: [
        { by: by('slow'), action: 'delay_request' },
        { by: by('late'), action: 'delay_response' },
        { by: by('edit'), action: 'modify' },
        { by: by('fail'), action: 'abort' },
        { by: by('cut'), action: 'reset' },
        { by: by('grpc'), action: 'grpc_status' },
      ],
      problem: undefined,
    };
  };

  test('held before going upstream: nothing is left but the request delay that held it', () => {
    const plan = everything();
    dropPendingFaults(plan, 'request');
    assert.deepEqual(plan, {
      ...nothingPlanned(),
      requestDelay: 100,
      fired: [{ by: { name: 'slow', type: 'test' }, action: 'delay_request' }],
    });
  });

  test('held as an answer: the request went up rewritten, so its headers and the delays stay reported', () => {
    const plan = everything();
    dropPendingFaults(plan, 'response');
    assert.deepEqual(plan, {
      ...nothingPlanned(),
      requestDelay: 100,
      requestHeaders: { 'x-up': '1' },
      fired: [
        { by: { name: 'slow', type: 'test' }, action: 'delay_request' },
        { by: { name: 'late', type: 'test' }, action: 'delay_response' },
        { by: { name: 'edit', type: 'test' }, action: 'modify' },
      ],
    });
  });
});

describe('header-driven faults against toxics: the headers are checked first and their answer wins', () => {
  const lateDelay = (name: string) =>
    toxic({ type: 'http_delay', name, attributes: { stage: 'response', delay: 7 } });

  test("the header's abort replaces a toxic's, whose counters are not even asked", () => {
    const { proxy, selected, actions } = proxyWith([abort('fail', 500)], true);
    const plan = planRequest(
      proxy,
      request({ headers: { 'x-faultline-abort': '418' } }),
      scriptedRandoms({}).randoms,
    );
    assert.deepEqual(
      [plan?.abort?.kind, plan?.abort?.kind === 'respond' && plan.abort.status],
      ['respond', 418],
    );
    assert.deepEqual(firedBy(plan), ['x-faultline-abort:header:abort']);
    assert.deepEqual([selected, actions], [[], []]);
  });

  test('a request that asks for its answer still meets the request delays before it, not the rest', () => {
    const { proxy, selected } = proxyWith([delay('slow', 10), lateDelay('late'), abort('fail', 500)], true);
    const plan = planRequest(
      proxy,
      request({ headers: { 'x-faultline-abort': '418', 'x-faultline-delay': '5' } }),
      scriptedRandoms({}).randoms,
    );
    assert.deepEqual(
      [plan?.requestDelay, plan?.responseDelay, plan?.abort?.by.name],
      [15, 0, 'x-faultline-abort'],
    );
    assert.deepEqual(firedBy(plan), [
      'slow:http_delay:delay_request',
      'x-faultline-delay:header:delay_request',
      'x-faultline-abort:header:abort',
    ]);
    assert.deepEqual(selected, ['slow']);
  });

  test("a gRPC status header replaces a gRPC status toxic's on a gRPC call", () => {
    const grpc = toxic({ type: 'grpc_status', name: 'down', attributes: { code: 14 } });
    const { proxy } = proxyWith([grpc], true);
    const plan = planRequest(
      proxy,
      grpcRequest({ 'x-faultline-grpc-status': '5' }),
      scriptedRandoms({}).randoms,
    );
    assert.deepEqual([plan?.abort?.kind, plan?.abort?.kind === 'grpc' && plan.abort.code], ['grpc', 5]);
    assert.deepEqual(firedBy(plan), ['x-faultline-grpc-status:header:grpc_status']);
  });

  test('a bad header is the answer (a 400) whatever the toxics would do, and no toxic counts it', () => {
    const { proxy, selected } = proxyWith([delay('slow', 10), abort('fail', 500)], true);
    const plan = planRequest(
      proxy,
      request({ headers: { 'x-faultline-abort': '4180' } }),
      scriptedRandoms({}).randoms,
    );
    assert.deepEqual(plan, {
      ...nothingPlanned(),
      problem:
        'faultline: invalid x-faultline-abort header: received "4180"; expected an HTTP status from 200 to 599 (header-driven faults are on for this proxy)\n',
    });
    assert.deepEqual(selected, []);
  });

  test('without an answer asked, a toxic abort stands and the header delay adds to the toxic delays', () => {
    const { proxy } = proxyWith([lateDelay('late'), abort('fail', 500)], true);
    const plan = planRequest(
      proxy,
      request({ headers: { 'x-faultline-delay': '3' } }),
      scriptedRandoms({}).randoms,
    );
    assert.deepEqual([plan?.requestDelay, plan?.responseDelay, plan?.abort?.by.name], [3, 7, 'fail']);
    assert.deepEqual(firedBy(plan), [
      'late:http_delay:delay_response',
      'fail:http_abort:abort',
      'x-faultline-delay:header:delay_request',
    ]);
  });

  test('dropsFaultHeaders: on, or a header asked for a fault when the request came (halt may have switched them off since)', () => {
    const askedDelay = asked({ 'x-faultline-delay': '5' });
    const byToxic = emptyPlan();
    byToxic.fired.push({ by: { name: 'slow', type: 'http_delay' }, action: 'delay_request' });
    const both = asked({ 'x-faultline-delay': '5' })!;
    both.fired.unshift({ by: { name: 'slow', type: 'http_delay' }, action: 'delay_request' });
    assert.deepEqual(
      [
        dropsFaultHeaders(true, undefined),
        dropsFaultHeaders(false, undefined),
        dropsFaultHeaders(false, askedDelay),
        dropsFaultHeaders(false, byToxic),
        dropsFaultHeaders(true, byToxic),
        dropsFaultHeaders(false, both),
      ],
      [true, false, true, false, true, true],
    );
  });

  test('withAsked: either side alone comes back as it is', () => {
    const alone = emptyPlan();
    assert.equal(withAsked(alone, undefined), alone);
    assert.equal(withAsked(undefined, alone), alone);
    assert.equal(withAsked(undefined, undefined), undefined);
  });
});

describe('unknown x-faultline- headers on a proxy with header faults', () => {
  test('a mistyped fault header is a 400 naming it and listing the accepted ones', () => {
    assert.equal(
      asked({ 'x-faultline-abrot': '503', 'x-faultline-delay': '5' })?.problem,
      'faultline: unknown header x-faultline-abrot (received "503"): header-driven faults are on for this proxy, and they are x-faultline-abort, x-faultline-grpc-status, x-faultline-delay, x-faultline-throughput, x-faultline-abort-percentage, x-faultline-delay-percentage, x-faultline-throughput-percentage; correct the name, or send it to a proxy without header_faults to pass it to the upstream\n',
    );
  });

  test("faultline's dashboard CSRF header and other prefixes pass untouched", () => {
    assert.equal(asked({ 'x-faultline-csrf': 'token', 'x-faultlinex': '1', 'x-fault': '1' }), undefined);
  });
});

describe("Envoy's fault headers and the percentage headers", () => {
  const onHere = '(header-driven faults are on for this proxy)';
  const header = (name: string) => ({ name, type: 'header' });

  test("Envoy's names ask for the same faults, and the plan names the header that was sent", () => {
    const abortPlan = asked({ 'x-envoy-fault-abort-request': '503' });
    assert.deepEqual(abortPlan, {
      ...nothingPlanned(),
      abort: {
        kind: 'respond',
        status: 503,
        body: 'fault filter abort',
        headers: { 'content-type': 'text/plain' },
        by: header('x-envoy-fault-abort-request'),
      },
      fired: [{ by: header('x-envoy-fault-abort-request'), action: 'abort' }],
    });
    assert.deepEqual(asked({ 'x-envoy-fault-delay-request': '25' }), {
      ...nothingPlanned(),
      requestDelay: 25,
      fired: [{ by: header('x-envoy-fault-delay-request'), action: 'delay_request', ms: 25 }],
    });
    assert.deepEqual(asked(grpcRequest({ 'x-envoy-fault-abort-grpc-request': '14' }).headers)?.abort, {
      kind: 'grpc',
      code: 14,
      message: 'fault filter abort',
      by: header('x-envoy-fault-abort-grpc-request'),
    });
  });

  test("Envoy's names are checked as faultline's are", () => {
    assert.equal(
      asked({ 'x-envoy-fault-abort-request': '600' })?.problem,
      `faultline: invalid x-envoy-fault-abort-request header: received "600"; expected an HTTP status from 200 to 599 ${onHere}\n`,
    );
    assert.equal(
      asked({ 'x-envoy-fault-abort-rquest': '503' })?.problem,
      `faultline: unknown header x-envoy-fault-abort-rquest (received "503"): header-driven faults are on for this proxy, and Envoy's names for them are x-envoy-fault-abort-request, x-envoy-fault-abort-grpc-request, x-envoy-fault-delay-request, x-envoy-fault-throughput-response, x-envoy-fault-abort-request-percentage, x-envoy-fault-delay-request-percentage, x-envoy-fault-throughput-response-percentage; correct the name, or send it to a proxy without header_faults to pass it to the upstream\n`,
    );
  });

  test('an unknown fault header with no value is named with an empty value', () => {
    assert.match(
      asked({ 'x-faultline-abrot': undefined })?.problem ?? '',
      /^faultline: unknown header x-faultline-abrot \(received ""\)/,
    );
  });

  test('a throughput header limits the answer in KiB/s, from 1 up; its percentage rolls first', () => {
    assert.deepEqual(asked({ 'x-envoy-fault-throughput-response': ' 64 ' }), {
      ...nothingPlanned(),
      responseThroughput: 64,
      fired: [{ by: header('x-envoy-fault-throughput-response'), action: 'throttle_response' }],
    });
    assert.equal(asked({ 'x-faultline-throughput': '1000000000' })?.responseThroughput, 1_000_000_000);
    for (const value of ['0', '1000000001', '1.5', 'fast'])
      assert.equal(
        asked({ 'x-envoy-fault-throughput-response': value })?.problem,
        `faultline: invalid x-envoy-fault-throughput-response header: received ${JSON.stringify(value)}; expected a whole number of KiB/s from 1 to 1000000000 ${onHere}\n`,
      );
    const headers = {
      'x-faultline-throughput': '8',
      'x-faultline-throughput-percentage': '30',
      'x-faultline-delay': '5',
      'x-faultline-delay-percentage': '30',
    };
    const throttledOnly = asked(headers, scripted([0.2999, 0.3]));
    assert.deepEqual([throttledOnly?.responseThroughput, throttledOnly?.requestDelay], [8, 0]);
    const delayedOnly = asked(headers, scripted([0.3, 0.1]));
    assert.deepEqual([delayedOnly?.responseThroughput, delayedOnly?.requestDelay], [undefined, 5]);
    assert.equal(
      asked({ 'x-envoy-fault-throughput-response-percentage': '10', 'x-faultline-delay': '5' })?.problem,
      `faultline: x-envoy-fault-throughput-response-percentage (received "10") without a throughput header has no fault to apply to; send it with x-faultline-throughput or x-envoy-fault-throughput-response ${onHere}\n`,
    );
  });

  test('a throughput header adds to what the toxics planned', () => {
    const { proxy } = proxyWith([delay('slow', 10)], true);
    const plan = planRequest(
      proxy,
      request({ headers: { 'x-faultline-throughput': '16' } }),
      scriptedRandoms({}).randoms,
    );
    assert.deepEqual([plan?.requestDelay, plan?.responseThroughput], [10, 16]);
  });

  test("the same fault asked by faultline's header and Envoy's is a 400, whatever the values", () => {
    for (const [own, envoy] of [
      ['x-faultline-abort', 'x-envoy-fault-abort-request'],
      ['x-faultline-delay', 'x-envoy-fault-delay-request'],
      ['x-faultline-grpc-status', 'x-envoy-fault-abort-grpc-request'],
      ['x-faultline-abort-percentage', 'x-envoy-fault-abort-request-percentage'],
      ['x-faultline-delay-percentage', 'x-envoy-fault-delay-request-percentage'],
      ['x-faultline-throughput', 'x-envoy-fault-throughput-response'],
      ['x-faultline-throughput-percentage', 'x-envoy-fault-throughput-response-percentage'],
    ] as const)
      assert.equal(
        asked({ [own]: '5', [envoy]: '5' })?.problem,
        `faultline: the request asks for the same fault twice, with ${own} and ${envoy}; send one of them ${onHere}\n`,
      );
  });

  test('an abort percentage rolls once per request: below it the abort fires, at it or above it does not', () => {
    const headers = { 'x-faultline-abort': '503', 'x-faultline-abort-percentage': '30' };
    assert.equal(asked(headers, scripted([0.2999]))?.abort?.kind, 'respond');
    assert.equal(asked(headers, scripted([0.3])), undefined, 'nothing chosen, nothing planned');
  });

  test('100 or no percentage never rolls; 0 never fires', () => {
    assert.equal(
      asked({ 'x-faultline-abort': '503', 'x-faultline-abort-percentage': '100' })?.abort?.kind,
      'respond',
    );
    assert.equal(
      asked({ 'x-faultline-delay': '7', 'x-faultline-delay-percentage': ' 100 ' })?.requestDelay,
      7,
    );
    assert.deepEqual(
      asked({ 'x-faultline-abort': '503', 'x-faultline-abort-percentage': '0' }, scripted([0])),
      undefined,
    );
  });

  test('the delay and the abort roll apart, the delay first', () => {
    const headers = {
      'x-envoy-fault-delay-request': '40',
      'x-envoy-fault-delay-request-percentage': '50',
      'x-envoy-fault-abort-request': '502',
      'x-envoy-fault-abort-request-percentage': '50',
    };
    const abortOnly = asked(headers, scripted([0.6, 0.1]));
    assert.deepEqual(
      [abortOnly?.requestDelay, abortOnly?.abort?.kind, abortOnly?.fired.map((fired) => fired.action)],
      [0, 'respond', ['abort']],
    );
    const delayOnly = asked(headers, scripted([0.1, 0.6]));
    assert.deepEqual(
      [delayOnly?.requestDelay, delayOnly?.abort, delayOnly?.fired.map((fired) => fired.action)],
      [40, undefined, ['delay_request']],
    );
  });

  test('the abort percentage applies to a gRPC status header too', () => {
    const headers = grpcRequest({
      'x-faultline-grpc-status': '14',
      'x-faultline-abort-percentage': '20',
    }).headers;
    assert.equal(asked(headers, scripted([0.19]))?.abort?.kind, 'grpc');
    assert.equal(asked(headers, scripted([0.2])), undefined);
  });

  test('a percentage without its fault, or out of range, is a 400', () => {
    assert.equal(
      asked({ 'x-faultline-abort-percentage': '50', 'x-faultline-delay': '5' })?.problem,
      `faultline: x-faultline-abort-percentage (received "50") without an abort or gRPC status header has no fault to apply to; send it with x-faultline-abort or x-envoy-fault-abort-request ${onHere}\n`,
    );
    assert.equal(
      asked({ 'x-envoy-fault-delay-request-percentage': '50', 'x-faultline-abort': '503' })?.problem,
      `faultline: x-envoy-fault-delay-request-percentage (received "50") without a delay header has no fault to apply to; send it with x-faultline-delay or x-envoy-fault-delay-request ${onHere}\n`,
    );
    for (const value of ['101', '50.5', '-1', 'half'])
      assert.equal(
        asked({ 'x-faultline-abort': '503', 'x-faultline-abort-percentage': value })?.problem,
        `faultline: invalid x-faultline-abort-percentage header: received ${JSON.stringify(value)}; expected a whole percentage from 0 to 100 ${onHere}\n`,
      );
    assert.equal(
      asked({ 'x-faultline-delay': '5', 'x-faultline-delay-percentage': '101' })?.problem,
      `faultline: invalid x-faultline-delay-percentage header: received "101"; expected a whole percentage from 0 to 100 ${onHere}\n`,
    );
  });

  test('planRequest rolls the percentages from one source forked for the headers', () => {
    const { proxy } = proxyWith([], true);
    const { randoms, forks } = scriptedRandoms({ 'request/headers': [0.4, 0.9] });
    const facts = request({ headers: { 'x-faultline-abort': '503', 'x-faultline-abort-percentage': '50' } });
    assert.equal(planRequest(proxy, facts, randoms)?.abort?.kind, 'respond');
    assert.equal(planRequest(proxy, facts, randoms), undefined);
    assert.deepEqual(forks, ['request/headers']);
  });
});

describe('dropRemovedFaults: toxics removed or updated while a delay held the request', () => {
  const modify = (name: string, attributes: object) => toxic({ type: 'http_modify', name, attributes });
  const lateDelay = (name: string, ms: number) =>
    toxic({ type: 'http_delay', name, attributes: { stage: 'response', delay: ms } });
  /** Plans one request through real toxics, then keeps on the proxy only the ones named. */
  const planThenKeep = (toxics: ToxicSpec[], kept: string[], headers: RequestFacts['headers'] = {}) => {
    const { proxy } = proxyWith(toxics, true);
    const plan = planRequest(proxy, request({ headers }), scriptedRandoms({}).randoms)!;
    const still = proxyWith(toxics.filter((one) => kept.includes(one.name))).proxy;
    return { plan, stillOn: stillOnProxy(still) };
  };

  test('nothing removed: the plan is left exactly as it was', () => {
    const { plan, stillOn } = planThenKeep(
      [
        delay('slow', 10),
        modify('edit', { status: 418, request_headers: { 'X-Up': '1' } }),
        abort('fail', 503),
      ],
      ['slow', 'edit', 'fail'],
    );
    const before = structuredClone({ ...plan, fired: firedBy(plan) });
    dropRemovedFaults(plan, 'request', stillOn);
    assert.deepEqual({ ...plan, fired: firedBy(plan) }, before);
  });

  test("a removed abort is dropped; the removed delay that held the request stays reported, the other toxics' parts stay", () => {
    const { plan, stillOn } = planThenKeep(
      [delay('slow', 10), delay('slower', 20), lateDelay('late', 30), abort('fail', 503)],
      ['slower', 'late'],
    );
    dropRemovedFaults(plan, 'request', stillOn);
    assert.equal(plan.abort, undefined);
    assert.equal(plan.responseDelay, 30);
    assert.deepEqual(firedBy(plan), [
      'slow:http_delay:delay_request',
      'slower:http_delay:delay_request',
      'late:http_delay:delay_response',
    ]);
  });

  test('an abort still on stays: the released request meets it at once, as a request arriving now would', () => {
    const { plan, stillOn } = planThenKeep([delay('slow', 10), abort('fail', 503)], ['fail']);
    dropRemovedFaults(plan, 'request', stillOn);
    assert.equal(plan.abort?.by.name, 'fail');
    assert.deepEqual(firedBy(plan), ['slow:http_delay:delay_request', 'fail:http_abort:abort']);
  });

  test('a removed response delay no longer holds the answer, and is not reported', () => {
    const { plan, stillOn } = planThenKeep([delay('slow', 10), lateDelay('late', 30)], ['slow']);
    dropRemovedFaults(plan, 'request', stillOn);
    assert.equal(plan.responseDelay, 0);
    assert.deepEqual(firedBy(plan), ['slow:http_delay:delay_request']);
  });

  test('a removed rewrite is made again from the rewrites still on, in their order', () => {
    const toxics = [
      delay('slow', 10),
      modify('first', { request_headers: { 'X-A': '1' }, response_headers: { 'X-B': '1' }, status: 201 }),
      modify('second', { request_headers: { 'X-A': '2', 'X-Second': '2' }, body: 'replaced', status: 418 }),
      modify('third', { response_headers: { 'X-C': '3' }, json_patch: { a: 1 } }),
    ];
    const atRequest = planThenKeep(toxics, ['first', 'third']);
    dropRemovedFaults(atRequest.plan, 'request', atRequest.stillOn);
    assert.deepEqual(
      {
        requestHeaders: atRequest.plan.requestHeaders,
        responseHeaders: atRequest.plan.responseHeaders,
        status: atRequest.plan.status,
        body: atRequest.plan.body,
        jsonPatch: atRequest.plan.jsonPatch,
        bodyBy: atRequest.plan.bodyBy?.name,
      },
      {
        requestHeaders: { 'x-a': '1' },
        responseHeaders: { 'x-b': '1', 'x-c': '3' },
        status: 201,
        body: undefined,
        jsonPatch: { a: 1 },
        bodyBy: 'third',
      },
    );
    assert.deepEqual(firedBy(atRequest.plan), [
      'slow:http_delay:delay_request',
      'first:http_modify:modify',
      'third:http_modify:modify',
    ]);
    // Once the request went upstream, its headers stay as sent; only the answer's part is made again.
    const atResponse = planThenKeep(toxics, ['second']);
    dropRemovedFaults(atResponse.plan, 'response', atResponse.stillOn);
    assert.deepEqual(
      {
        requestHeaders: atResponse.plan.requestHeaders,
        responseHeaders: atResponse.plan.responseHeaders,
        status: atResponse.plan.status,
        body: atResponse.plan.body,
        jsonPatch: atResponse.plan.jsonPatch,
        bodyBy: atResponse.plan.bodyBy?.name,
      },
      {
        requestHeaders: { 'x-a': '2', 'x-second': '2' },
        responseHeaders: {},
        status: 418,
        body: 'replaced',
        jsonPatch: undefined,
        bodyBy: 'second',
      },
    );
    // The removed rewrites had acted on the request that went upstream: they stay reported.
    assert.deepEqual(firedBy(atResponse.plan), [
      'slow:http_delay:delay_request',
      'first:http_modify:modify',
      'second:http_modify:modify',
      'third:http_modify:modify',
    ]);
  });

  test('a removed rewrite with none left clears the rewrite', () => {
    const { plan, stillOn } = planThenKeep(
      [delay('slow', 10), modify('edit', { response_headers: { 'X-B': '1' }, status: 500, body: 'x' })],
      ['slow'],
    );
    dropRemovedFaults(plan, 'response', stillOn);
    assert.deepEqual(
      [plan.responseHeaders, plan.status, plan.body, plan.bodyBy],
      [{}, undefined, undefined, undefined],
    );
  });

  test("a header's delay and answer have no toxic: they stay whatever toxics go", () => {
    const { plan, stillOn } = planThenKeep([delay('slow', 10)], [], {
      'x-faultline-delay': '7',
      'x-faultline-abort': '418',
    });
    assert.equal(delayStillPlanned(plan, 'request', stillOn), 7);
    dropRemovedFaults(plan, 'request', stillOn);
    assert.equal(plan.abort?.by.name, 'x-faultline-abort');
  });

  test('delayStillPlanned adds the delays still on at that stage; an updated toxic (a new spec) counts as gone', () => {
    const toxics = [delay('a', 10), delay('b', 20), lateDelay('late', 30)];
    const { plan } = planThenKeep(toxics, []);
    const updated = { ...toxics[1]! };
    const stillOn = stillOnProxy(proxyWith([toxics[0]!, updated, toxics[2]!]).proxy);
    assert.deepEqual(
      [delayStillPlanned(plan, 'request', stillOn), delayStillPlanned(plan, 'response', stillOn)],
      [10, 30],
    );
  });
});

describe('actedWithoutAnswer: what acted on a request the proxy answered 502 or 504 itself', () => {
  const actor = (name: string, type: string, attributes: object = {}) => ({
    name,
    type,
    toxic: parseToxicCreate({ name, type, attributes }),
  });
  const requestDelay = actor('slow_in', 'http_delay', { delay: 5 });
  const responseDelay = actor('slow_out', 'http_delay', { delay: 5, stage: 'response' });
  const requestEdit = actor('tag', 'http_modify', { request_headers: { 'x-tag': '1' } });
  const emptyRequestEdit = actor('none', 'http_modify', { request_headers: {} });
  const responseEdit = actor('rewrite', 'http_modify', { response_headers: { 'x-out': '1' } });
  const plan = (): RequestPlan => {
    const planned = emptyPlan();
    planned.fired.push(
      { by: requestDelay, action: 'delay_request', ms: 5 },
      { by: responseDelay, action: 'delay_response', ms: 5 },
      { by: requestEdit, action: 'modify' },
      { by: emptyRequestEdit, action: 'modify' },
      { by: responseEdit, action: 'modify' },
      { by: actor('cap', 'http_delay'), action: 'throttle' },
      // What else a toxic with request header edits did (its status) did not reach the proxy's answer.
      {
        by: actor('also', 'http_modify', { request_headers: { 'x-a': '1' }, status: 418 }),
        action: 'status',
      },
    );
    return planned;
  };
  const names = (answerHeld: boolean) => actedWithoutAnswer(plan(), answerHeld).map(({ by }) => by.name);

  test('request delays and request header edits acted; response rewrites and rate limits did not', () => {
    assert.deepEqual(names(false), ['slow_in', 'tag']);
  });

  test('a response delay acted only when its hold had ended before the answer failed', () => {
    assert.deepEqual(names(true), ['slow_in', 'slow_out', 'tag']);
  });

  test('an abort keeps only its own fault and the request delays before it', () => {
    const aborted = plan();
    aborted.abort = { kind: 'reset', by: requestEdit };
    assert.deepEqual(
      actedWithoutAnswer(aborted, true).map(({ by }) => by.name),
      ['slow_in', 'tag'],
    );
  });
});
