import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { parseWhen } from '../src/model/when.js';
import { type Call, createDecider, effectOf, explainFault, type FaultSpec } from '../src/model/fault.js';
import { parseFault } from '../src/model/fault-schema.js';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { createRandom, randomSeed } from '../src/model/random.js';
import { parseToxicCreate } from '../src/model/toxic.js';
import { Stage } from '../src/proxy/stage.js';
import { FakeClock } from './fake-clock.js';

/** Within 4 standard deviations of a binomial(n, p) mean: a false alarm about 1 run in 16,000. */
function withinFourSigma(hits: number, n: number, p: number): boolean {
  return Math.abs(hits - n * p) <= 4 * Math.sqrt(n * p * (1 - p));
}

/** Whether a toxic applies on each of `n` connections, each with its own forked random source. */
function toxicityDecisions(toxicity: number, seed: number, n: number): boolean[] {
  const clock = new FakeClock();
  const root = createRandom(seed);
  const spec = parseToxicCreate({ type: 'timeout', toxicity });
  const sink = {
    accept: () => undefined,
    finish: () => undefined,
    reset: () => undefined,
    end: () => undefined,
  };
  const host = {
    clock,
    discard: () => undefined,
    closeLink: () => undefined,
    acted: () => undefined,
    ready: () => undefined,
  };
  const decisions: boolean[] = [];
  for (let connection = 0; connection < n; connection++) {
    const stage = new Stage(spec, sink, root.fork(`connection ${connection}`), host);
    // A timeout toxic closes the connection when it is removed, but only where it applied.
    decisions.push(stage.flushInto(sink) === 'close');
    stage.dispose();
  }
  return decisions;
}

const count = (decisions: boolean[]) => decisions.filter(Boolean).length;
const fixedRuns = { seed: 20_251_202, numRuns: 25 };

describe('toxicity over many connections (property)', () => {
  test('toxicity p applies on a fraction of connections within 4 sigma of p', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 99 }),
        fc.integer({ min: 0, max: 0x7fffffff }),
        (percent, seed) => {
          const p = percent / 100;
          const n = 1000;
          const hits = count(toxicityDecisions(p, seed, n));
          assert.ok(withinFourSigma(hits, n, p), `${hits} of ${n} connections at toxicity ${p}`);
        },
      ),
      fixedRuns,
    );
  });

  test('the same seed makes the same decisions; another seed makes others', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0x7ffffffe }), (seed) => {
        const first = toxicityDecisions(0.5, seed, 200);
        assert.deepEqual(toxicityDecisions(0.5, seed, 200), first);
        assert.notDeepEqual(toxicityDecisions(0.5, seed + 1, 200), first);
      }),
      { ...fixedRuns, numRuns: 10 },
    );
  });
});

describe('the seeded random source', () => {
  test('fork seeds are FNV-1a of the label, folded to 31 bits (published test vectors)', () => {
    // FNV-1a 32-bit: "" = 0x811c9dc5, "a" = 0xe40c292c, "foobar" = 0xbf9cf968; seed 0 leaves the basis as is.
    assert.equal(createRandom(0).fork('').seed, 0x811c9dc5 & 0x7fffffff);
    assert.equal(createRandom(0).fork('a').seed, 0xe40c292c & 0x7fffffff);
    assert.equal(createRandom(0).fork('foobar').seed, 0xbf9cf968 & 0x7fffffff);
    assert.notEqual(createRandom(1).fork('a').seed, createRandom(0).fork('a').seed);
  });

  test('next() is in [0, 1) and int(min, max) reaches both ends and nothing beyond', () => {
    const random = createRandom(7);
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) {
      const value = random.next();
      assert.ok(value >= 0 && value < 1, String(value));
      seen.add(random.int(-2, 2));
    }
    assert.deepEqual(
      [...seen].sort((a, b) => a - b),
      [-2, -1, 0, 1, 2],
    );
  });

  test('a source replays its sequence from the same seed, and keeps its seed', () => {
    const a = createRandom(99);
    const b = createRandom(99);
    const first = [a.next(), a.next(), a.int(0, 1000)];
    assert.deepEqual([b.next(), b.next(), b.int(0, 1000)], first);
    assert.equal(a.seed, 99);
    assert.notDeepEqual([createRandom(100).next(), createRandom(100).next()], first.slice(0, 2));
  });

  test('randomSeed: a whole number from 0 to 2^31 - 2, a new one each time', () => {
    const seeds = Array.from({ length: 64 }, () => randomSeed());
    for (const seed of seeds)
      assert.ok(Number.isSafeInteger(seed) && seed >= 0 && seed < 0x7fffffff, String(seed));
    // 64 draws from 2^31 values repeat one with a chance of about 1 in a million.
    assert.equal(new Set(seeds).size, 64);
  });

  test('draws are xoroshiro128+ seeded with the seed and jumped once, started at the first draw', () => {
    const generator = xoroshiro128plus(41);
    generator.jump();
    const expected = [uniformFloat64(generator), uniformInt(generator, 1, 6), uniformFloat64(generator)];
    const forked = createRandom(3).fork('late');
    const random = createRandom(41);
    assert.deepEqual([random.next(), random.int(1, 6), random.next()], expected);
    // A fork made before its parent draws, or after, is the same source.
    const generatorOfFork = xoroshiro128plus(forked.seed);
    generatorOfFork.jump();
    assert.equal(forked.next(), uniformFloat64(generatorOfFork));
    assert.equal(createRandom(3).fork('late').seed, forked.seed);
  });
});

describe('fault decisions (shared by Node and the browser script)', () => {
  const at = (now: number) => ({ now: () => now });
  const decisions = (fault: object, calls: Call[], now = 0) => {
    const decider = createDecider(parseFault(fault), at(now));
    return calls.map((call) => decider.decide(call));
  };
  const times = (n: number, call: Call = {}) => Array.from({ length: n }, () => call);

  test('probability p fires on a fraction of calls within 4 sigma, and a seed repeats them', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 99 }), fc.integer(), (percent, seed) => {
        const p = percent / 100;
        const n = 1000;
        const fired = decisions({ delay: 1, probability: p, seed }, times(n));
        assert.ok(withinFourSigma(count(fired), n, p), `${count(fired)} of ${n} at probability ${p}`);
        assert.deepEqual(decisions({ delay: 1, probability: p, seed }, times(n)), fired);
      }),
      fixedRuns,
    );
  });

  test('probability fires when the roll is below it, not when equal (scripted rolls)', () => {
    const rolls = [0.5, 0.49, 0.51];
    const random = { seed: 0, next: () => rolls.shift()!, int: () => 0, fork: () => random };
    const decider = createDecider(parseFault({ delay: 1, probability: 0.5 }), at(0), random);
    assert.deepEqual([decider.decide({}), decider.decide({}), decider.decide({})], [false, true, false]);
  });

  test('without a seed, two deciders draw from different random sequences', () => {
    const draws = () => decisions({ delay: 1, probability: 0.5 }, times(64)).map(Number).join('');
    assert.notEqual(draws(), draws(), 'the chance that 64 unseeded draws repeat is 2^-64');
  });

  test('httpMethods needs at least one method and accepts several', () => {
    assert.deepEqual(parseFault({ delay: 1, httpMethods: ['GET', 'POST'] }).httpMethods, ['GET', 'POST']);
    assert.throws(() => parseFault({ delay: 1, httpMethods: [] }), {
      code: 'FAULTLINE_ERR_INVALID_FIELD',
      reason: 'invalid httpMethods in fault',
      hint: 'Too small: expected array to have >=1 items, received []',
    });
  });

  test('httpMethods are upper-cased, so "get" matches a GET; a method that is not a word is refused', () => {
    assert.deepEqual(parseFault({ delay: 1, httpMethods: ['get', 'Post', 'M-SEARCH'] }).httpMethods, [
      'GET',
      'POST',
      'M-SEARCH',
    ]);
    assert.deepEqual(
      decisions({ delay: 1, httpMethods: ['post'] }, [{ httpMethod: 'POST' }, { httpMethod: 'GET' }]),
      [true, false],
    );
    for (const method of ['GET /', '/GET'])
      assert.throws(() => parseFault({ delay: 1, httpMethods: [method] }), {
        code: 'FAULTLINE_ERR_INVALID_FIELD',
        reason: 'invalid httpMethods.0 in fault',
        hint: `an HTTP method such as GET or POST, received ${JSON.stringify(method)}`,
      });
  });

  test('a seed without probability is refused: it would repeat nothing', () => {
    assert.throws(() => parseFault({ error: 'x', seed: 5 }), {
      code: 'FAULTLINE_ERR_INVALID_FIELD',
      reason: 'invalid value in fault',
      hint: 'seed repeats the draws of probability, and there is no probability; give both, or drop seed, received {"error":"x","seed":5}',
    });
    assert.equal(parseFault({ error: 'x', seed: 5, probability: 0.5 }).seed, 5);
  });

  test('a window that closes before it opens is refused; one that opens is kept', () => {
    const refused = (window: object) =>
      assert.throws(
        () => parseFault({ delay: 1, window }),
        {
          code: 'FAULTLINE_ERR_INVALID_FIELD',
          reason: 'invalid value in fault',
          hint: `window: untilMs must be later than afterMs (0 when not given), or the fault would never apply, received ${JSON.stringify({ delay: 1, window })}`,
        },
        JSON.stringify(window),
      );
    refused({ afterMs: 100000, untilMs: 10 });
    refused({ afterMs: 10, untilMs: 10 });
    refused({ untilMs: 0 });
    for (const window of [{ afterMs: 10, untilMs: 11 }, { untilMs: 1 }, { afterMs: 5 }, {}])
      assert.deepEqual(parseFault({ delay: 1, window }).window, window);
  });

  test('probability 0 never fires and 1 always does', () => {
    assert.equal(count(decisions({ delay: 1, probability: 0, seed: 1 }, times(200))), 0);
    assert.equal(count(decisions({ delay: 1, probability: 1, seed: 1 }, times(200))), 200);
  });

  test('everyNth and firstN count exactly', () => {
    assert.deepEqual(decisions({ delay: 1, everyNth: 3 }, times(7)), [
      false,
      false,
      true,
      false,
      false,
      true,
      false,
    ]);
    assert.deepEqual(decisions({ delay: 1, everyNth: 1 }, times(3)), [true, true, true]);
    assert.deepEqual(decisions({ delay: 1, firstN: 2 }, times(4)), [true, true, false, false]);
    assert.deepEqual(decisions({ delay: 1, firstN: 4, everyNth: 2 }, times(6)), [
      false,
      true,
      false,
      true,
      false,
      false,
    ]);
  });

  test('filters: methods, url, HTTP method (GET when absent, any case) and header; only matching calls count', () => {
    assert.deepEqual(
      decisions({ delay: 1, methods: ['get'], everyNth: 2 }, [
        { method: 'get' },
        { method: 'set' },
        {},
        { method: 'get' },
      ]),
      [false, false, false, true],
    );
    assert.deepEqual(decisions({ delay: 1, url: '^/api/' }, [{ url: '/api/x' }, { url: '/web/api/' }, {}]), [
      true,
      false,
      false,
    ]);
    assert.deepEqual(
      decisions({ delay: 1, httpMethods: ['GET'] }, [{}, { httpMethod: 'get' }, { httpMethod: 'POST' }]),
      [true, true, false],
    );
    assert.deepEqual(
      decisions({ delay: 1, header: { name: 'X-Chaos' } }, [
        { headers: { 'x-chaos': '' } },
        { headers: { other: 'on' } },
        {},
      ]),
      [true, false, false],
    );
    assert.deepEqual(
      decisions({ delay: 1, header: { name: 'X-Tenant', value: '^b' } }, [
        { headers: { 'x-tenant': ['beta', 'x'] } },
        { headers: { 'x-tenant': 'alpha' } },
      ]),
      [true, false],
    );
  });

  test('a window from afterMs (inclusive) to untilMs (exclusive) after the decider was made', () => {
    let now = 1000;
    const decider = createDecider(parseFault({ delay: 1, window: { afterMs: 100, untilMs: 200 } }), {
      now: () => now,
    });
    const at = (time: number) => {
      now = 1000 + time;
      return decider.decide({});
    };
    assert.deepEqual([at(99), at(100), at(199), at(200)], [false, true, true, false]);
    const open = createDecider(parseFault({ delay: 1, window: { afterMs: 50 } }), { now: () => now });
    assert.equal(open.decide({}), false, 'afterMs counts from when the decider was made');
    now += 10_000_000;
    assert.equal(open.decide({}), true, 'without untilMs the window never closes');
  });

  test('effects and explanations', () => {
    assert.equal(effectOf(parseFault({ delay: 5 })), undefined);
    assert.equal(effectOf(parseFault({ status: 503 })), 'status');
    assert.equal(
      explainFault(parseFault({ url: 'pay', status: 503, probability: 0.25, httpMethods: ['POST'] })),
      'answers requests whose URL matches "pay" with status 503, 25% of the time, for POST',
    );
    assert.equal(
      explainFault(parseFault({ error: { name: 'TypeError', message: 'nope' }, everyNth: 1, firstN: 3 })),
      'fails calls with TypeError: nope, on every call, for the first 3 calls',
    );
    assert.equal(
      explainFault(
        parseFault({ abort: true, everyNth: 12, header: { name: 'x-a' }, window: { untilMs: 9 } }),
      ),
      'drops calls, on every 12th call, when header x-a is present, from 0 ms to 9 ms after start',
    );
    assert.equal(
      explainFault(parseFault({ methods: ['q'], delay: 1, nullify: true, everyNth: 22 })),
      'delays q calls by 1 ms, then makes them return null, on every 22nd call',
    );
    assert.equal(
      explainFault(parseFault({ slowBody: 10, everyNth: 13 })),
      'sends the body of calls at 10 bytes/s, on every 13th call',
    );
    assert.equal(
      explainFault(parseFault({ status: 500, everyNth: 103 })),
      'answers calls with status 500, on every 103rd call',
    );
    assert.equal(
      explainFault(parseFault({ status: 500, everyNth: 111 })),
      'answers calls with status 500, on every 111th call',
    );
  });

  test('faults that see requests say requests, in the target and in the counts', () => {
    const explain = (fault: object) => explainFault(parseFault(fault), 'requests');
    assert.equal(
      explain({ status: 503, everyNth: 2, firstN: 3 }),
      'answers requests with status 503, on every 2nd request, for the first 3 requests',
    );
    assert.equal(explain({ abort: true, everyNth: 1 }), 'drops requests, on every request');
    assert.equal(explain({ slowBody: 10 }), 'sends the body of requests at 10 bytes/s');
    assert.equal(
      explain({ url: '^/api', delay: 5, firstN: 1 }),
      'delays requests whose URL matches "^/api" by 5 ms, for the first 1 requests',
    );
    assert.equal(
      explainFault(parseFault({ status: 503, everyNth: 2, firstN: 3 }), 'calls'),
      'answers calls with status 503, on every 2nd call, for the first 3 calls',
    );
  });

  test('explanations: a delay then each effect, error texts, patterns, windows and ordinals', () => {
    const explain = (fault: object) => explainFault(parseFault(fault));
    assert.equal(explain({ delay: 20 }), 'delays calls by 20 ms');
    assert.equal(
      explain({ delay: 20, error: 'ECONNRESET' }),
      'delays calls by 20 ms, then fails them with ECONNRESET',
    );
    assert.equal(explain({ error: { message: 'boom' } }), 'fails calls with Error: boom');
    assert.equal(
      explain({ url: 'pay', delay: 5, status: 502 }),
      'delays requests whose URL matches "pay" by 5 ms, then answers them with status 502',
    );
    assert.equal(explain({ delay: 5, abort: true }), 'delays calls by 5 ms, then drops them');
    assert.equal(explain({ nullify: true }), 'makes calls return null');
    assert.equal(
      explain({ methods: ['get', 'set'], delay: 3, httpMethods: ['GET', 'POST'] }),
      'delays get/set calls by 3 ms, for GET/POST',
    );
    assert.equal(
      explain({ delay: 5, slowBody: 64 }),
      'delays calls by 5 ms, then sends the body of them at 64 bytes/s',
    );
    assert.equal(
      explain({ delay: 1, header: { name: 'X-Tenant', value: '^beta$' } }),
      'delays calls by 1 ms, when header X-Tenant matches /^beta$/',
    );
    assert.equal(
      explain({ delay: 1, window: { afterMs: 100, untilMs: 250 } }),
      'delays calls by 1 ms, from 100 ms to 250 ms after start',
    );
    assert.equal(
      explain({ delay: 1, window: { afterMs: 100 } }),
      'delays calls by 1 ms, from 100 ms after start',
    );
    assert.equal(explain({ delay: 1, probability: 0.125 }), 'delays calls by 1 ms, 13% of the time');
    const ordinals = [2, 3, 4, 11, 12, 13, 21, 23, 101, 112].map(
      (everyNth) => explain({ delay: 1, everyNth }).split(', ')[1],
    );
    assert.deepEqual(ordinals, [
      'on every 2nd call',
      'on every 3rd call',
      'on every 4th call',
      'on every 11th call',
      'on every 12th call',
      'on every 13th call',
      'on every 21st call',
      'on every 23rd call',
      'on every 101st call',
      'on every 112th call',
    ]);
  });

  test('a fault that did not go through parseFault: its patterns are compiled, and a bad one named', () => {
    const unchecked = (fault: object) => () => createDecider(fault as FaultSpec, at(0));
    assert.throws(unchecked({ delay: 1, url: '(' }), {
      code: 'FAULTLINE_ERR_INVALID_FIELD',
      message: /^url: invalid pattern "\(": /,
    });
    assert.throws(unchecked({ delay: 1, header: { name: 'x', value: '[' } }), {
      code: 'FAULTLINE_ERR_INVALID_FIELD',
      message: /^header value: invalid pattern "\[": /,
    });
  });

  test('a header given as a list is tested as its values joined by commas', () => {
    assert.deepEqual(
      decisions({ delay: 1, header: { name: 'x-tenant', value: '^beta,x$' } }, [
        { headers: { 'x-tenant': ['beta', 'x'] } },
        { headers: { 'x-tenant': 'betax' } },
      ]),
      [true, false],
    );
  });

  test('a url pattern of 1024 characters passes, one more is refused with its length and the limit', () => {
    const longest = `^/${'a'.repeat(1022)}`;
    assert.equal(parseFault({ delay: 1, url: longest }).url, longest);
    assert.throws(() => parseFault({ delay: 1, url: `${longest}b` }), {
      code: 'FAULTLINE_ERR_INVALID_FIELD',
      message: 'url in fault: the pattern is 1025 characters long; the limit is 1024',
    });
    assert.throws(() => parseFault({ delay: 1, header: { name: 'x', value: 'a(?=b)' } }, 'fault "f"'), {
      code: 'FAULTLINE_ERR_INVALID_FIELD',
      message:
        'header value in fault "f": invalid pattern "a(?=b)": error parsing regexp: invalid or unsupported Perl syntax: `(?=`. ' +
        'Patterns use RE2 syntax (matching in linear time), which has no lookahead, lookbehind or backreferences',
    });
  });

  test('a fault with two effects or none is refused', () => {
    assert.throws(() => parseFault({ status: 500, abort: true }), {
      code: 'FAULTLINE_ERR_INVALID_FIELD',
      reason: 'invalid value in fault',
      hint:
        'give at most one of error, status, abort, nullify and slowBody ' +
        '(a delay can go with any of them), received {"status":500,"abort":true}',
    });
    assert.throws(() => parseFault({ everyNth: 2 }), {
      code: 'FAULTLINE_ERR_INVALID_FIELD',
      reason: 'invalid value in fault',
      hint:
        'a fault needs something to do: delay, error, status, abort, nullify ' +
        'or slowBody, received {"everyNth":2}',
    });
    assert.throws(() => parseFault({ url: '(', delay: 1 }), {
      code: 'FAULTLINE_ERR_INVALID_FIELD',
      reason:
        'url in fault: invalid pattern "(": error parsing regexp: missing closing ): `(`. Patterns use RE2 ' +
        'syntax (matching in linear time), which has no lookahead, lookbehind or backreferences',
    });
  });
});

describe('"when" selects exactly the calls it names (property)', () => {
  const selected = (expression: string, upTo: number) =>
    Array.from({ length: upTo }, (_, index) => index + 1).filter(parseWhen(expression));
  const range = (from: number, to: number, step = 1) => {
    const result: number[] = [];
    for (let n = from; n <= to; n += step) result.push(n);
    return result;
  };

  test('N, N+, N+S and N..M (both ends inclusive)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 0, max: 40 }),
        fc.integer({ min: 1, max: 7 }),
        (first, length, step) => {
          const last = first + length;
          assert.deepEqual(selected(`${first}`, 100), [first]);
          assert.deepEqual(selected(`${first}+`, 100), range(first, 100));
          assert.deepEqual(selected(`${first}+${step}`, 100), range(first, 100, step));
          assert.deepEqual(selected(`${first}..${last}`, 100), range(first, last));
        },
      ),
      { seed: 7, numRuns: 100 },
    );
  });

  test('no expression selects every call; a bad one is refused with the forms', () => {
    assert.deepEqual(
      Array.from({ length: 5 }, (_, index) => index + 1).filter(parseWhen(undefined)),
      [1, 2, 3, 4, 5],
    );
    for (const bad of ['0', 'sometimes', '2-3', '+2', '1..']) {
      assert.throws(() => parseWhen(bad), {
        code: 'FAULTLINE_ERR_INVALID_FIELD',
        message: new RegExp(`^invalid when "${bad.replace(/[.+]/g, '\\$&')}": use N`),
      });
    }
  });
});
