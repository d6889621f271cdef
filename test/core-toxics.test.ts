import assert from 'node:assert/strict';
import { matchKeys, wholeMatch } from '../src/model/match.js';
import { describe, test } from 'node:test';
import type { FaultlineError } from '../src/model/errors.js';
import type { RandomSource } from '../src/model/random.js';
import { attributeProblem, isIntegerSpec, stringMapProblem } from '../src/model/toxics/attribute-value.js';
import { isToxicType } from '../src/model/toxics/index.js';
import {
  explainToxic,
  isConnectionToxicSpec,
  mergedMatch,
  parseToxicCreate,
  parseToxicUpdate,
  streams,
  targetingKeys,
  type ToxicSpec,
  wireAttributes,
} from '../src/model/toxic.js';
import type { Chunk, Receiver } from '../src/proxy/chunk.js';
import { Stage } from '../src/proxy/stage.js';
import { FakeClock } from './fake-clock.js';
import { scripted } from './scripted-random.js';

interface Output {
  out: Array<{ data: string; at: number }>;
  sink: Receiver;
}

function recorder(clock: FakeClock): Output {
  const out: Output['out'] = [];
  return {
    out,
    sink: {
      accept: (chunk: Chunk) => out.push({ data: chunk.data.toString(), at: clock.now() }),
      finish: () => undefined,
      reset: () => undefined,
      end: () => undefined,
    },
  };
}

function stage(
  spec: ToxicSpec,
  next: Receiver,
  random: RandomSource,
  clock: FakeClock,
  acted: string[] = [],
) {
  return new Stage(spec, next, random, {
    clock,
    discard: () => undefined,
    closeLink: () => undefined,
    acted: (_toxic, action) => acted.push(action),
    ready: () => undefined,
  });
}

const send = (target: Receiver, clock: FakeClock, text: string) =>
  target.accept({ data: Buffer.from(text), time: clock.now() });

describe('toxicity is rolled once per connection, and again on every update', () => {
  const latency = (toxicity: number) =>
    parseToxicCreate({ type: 'latency', toxicity, attributes: { latency: 100 } });

  test('a roll below the toxicity applies the toxic; one roll only', async () => {
    const clock = new FakeClock();
    const { out, sink } = recorder(clock);
    // A second roll of 0.7 would switch the toxic off if toxicity were rolled twice (chance t²).
    const random = scripted([0.3, 0.7]);
    const running = stage(latency(0.5), sink, random, clock);
    send(running, clock, 'a');
    await clock.advance(100);
    assert.deepEqual(out, [{ data: 'a', at: 100 }]);
  });

  test('a roll equal to or above the toxicity lets data pass untouched', async () => {
    for (const roll of [0.5, 0.9]) {
      const clock = new FakeClock();
      const { out, sink } = recorder(clock);
      const running = stage(latency(0.5), sink, scripted([roll]), clock);
      send(running, clock, 'a');
      await clock.advance(0);
      assert.deepEqual(out, [{ data: 'a', at: 0 }], `roll ${roll}`);
    }
  });

  test('toxicity 1 applies whatever the roll, toxicity 0 never applies', async () => {
    const clock = new FakeClock();
    const always = recorder(clock);
    send(stage(latency(1), always.sink, scripted([0.999999]), clock), clock, 'a');
    const never = recorder(clock);
    send(stage(latency(0), never.sink, scripted([0]), clock), clock, 'b');
    await clock.advance(100);
    assert.deepEqual(always.out, [{ data: 'a', at: 100 }]);
    assert.deepEqual(never.out, [{ data: 'b', at: 0 }]);
  });

  test('an update rolls again: a toxic that missed can start applying, and the reverse', async () => {
    const clock = new FakeClock();
    const { out, sink } = recorder(clock);
    const running = stage(latency(0.5), sink, scripted([0.9, 0.1, 0.8]), clock);
    send(running, clock, 'missed');
    await clock.advance(0);
    await running.interrupt();
    running.resume(latency(0.5));
    send(running, clock, 'applied');
    await clock.advance(100);
    await running.interrupt();
    running.resume(latency(0.5));
    send(running, clock, 'missed again');
    await clock.advance(0);
    assert.deepEqual(out, [
      { data: 'missed', at: 0 },
      { data: 'applied', at: 100 },
      { data: 'missed again', at: 100 },
    ]);
  });

  test('acted is reported only when the toxic applies', async () => {
    const clock = new FakeClock();
    const acted: string[] = [];
    const skipped = stage(latency(0.5), recorder(clock).sink, scripted([0.6]), clock, acted);
    send(skipped, clock, 'x');
    await clock.advance(100);
    assert.deepEqual(acted, []);
    const applied = stage(latency(0.5), recorder(clock).sink, scripted([0.4]), clock, acted);
    send(applied, clock, 'x');
    await clock.advance(100);
    assert.deepEqual(acted, ['delay']);
  });
});

describe('latency jitter and stacking', () => {
  test('jitter moves each delay both ways: int(-jitter, jitter) is added to the latency', async () => {
    const clock = new FakeClock();
    const { out, sink } = recorder(clock);
    const random = scripted([0], ['min', 'max', 7]);
    const running = stage(
      parseToxicCreate({ type: 'latency', attributes: { latency: 100, jitter: 20 } }),
      sink,
      random,
      clock,
    );
    send(running, clock, 'a');
    await clock.advance(200);
    send(running, clock, 'b');
    await clock.advance(200);
    send(running, clock, 'c');
    await clock.advance(200);
    assert.deepEqual(random.intCalls, [
      [-20, 20],
      [-20, 20],
      [-20, 20],
    ]);
    assert.deepEqual(out, [
      { data: 'a', at: 80 },
      { data: 'b', at: 200 + 120 },
      { data: 'c', at: 400 + 107 },
    ]);
  });

  test('no jitter draws no random numbers', async () => {
    const clock = new FakeClock();
    const random = scripted([0], []);
    const { out, sink } = recorder(clock);
    const running = stage(
      parseToxicCreate({ type: 'latency', attributes: { latency: 30 } }),
      sink,
      random,
      clock,
    );
    send(running, clock, 'a');
    await clock.advance(30);
    assert.deepEqual(random.intCalls, []);
    assert.deepEqual(out, [{ data: 'a', at: 30 }]);
  });

  test('two latency toxics in a row add up: 100 ms then 50 ms leaves at 150 ms', async () => {
    const clock = new FakeClock();
    const { out, sink } = recorder(clock);
    const second = stage(
      parseToxicCreate({ type: 'latency', name: 'second', attributes: { latency: 50 } }),
      sink,
      scripted([0]),
      clock,
    );
    const first = stage(
      parseToxicCreate({ type: 'latency', name: 'first', attributes: { latency: 100 } }),
      second,
      scripted([0]),
      clock,
    );
    send(first, clock, 'a');
    await clock.advance(200);
    send(first, clock, 'b');
    await clock.advance(300);
    assert.deepEqual(out, [
      { data: 'a', at: 150 },
      { data: 'b', at: 350 },
    ]);
  });
});

describe('bandwidth pacing', () => {
  test('after an idle period a burst is paced at the rate again, not sent at once', async () => {
    const clock = new FakeClock();
    const { out, sink } = recorder(clock);
    // rate 10 KB/s = 10 bytes per ms: 1000 bytes take 100 ms.
    const running = stage(
      parseToxicCreate({ type: 'bandwidth', attributes: { rate: 10 } }),
      sink,
      scripted([0]),
      clock,
    );
    send(running, clock, 'x'.repeat(1000));
    await clock.advance(100);
    await clock.advance(5000);
    send(running, clock, 'y'.repeat(2000));
    await clock.advance(300);
    // The pacer may catch up at most its 10 ms slack after an idle period.
    assert.deepEqual(
      out.map((piece) => [piece.data.length, piece.at]),
      [
        [1000, 100],
        [1000, 5100 + 100 - 10],
        [1000, 5100 + 200 - 10],
      ],
    );
  });

  test('chunks worth less than a millisecond add up on the schedule instead of being lost', async () => {
    const clock = new FakeClock();
    const { out, sink } = recorder(clock);
    // rate 10 = 10 bytes per ms: each 5-byte chunk books 0.5 ms; waits under 1 ms are not slept.
    const running = stage(
      parseToxicCreate({ type: 'bandwidth', attributes: { rate: 10 } }),
      sink,
      scripted([0]),
      clock,
    );
    for (let i = 0; i < 4; i++) send(running, clock, 'zzzzz');
    await clock.advance(10);
    assert.deepEqual(
      out.map((piece) => piece.at),
      [0, 1, 1, 2],
    );
  });
});

describe('attribute validation at both bounds, on create and on update', () => {
  // The documented ranges and units (docs/toxics.md) and the Go struct Toxiproxy decodes each
  // toxic's attributes into, written out here rather than read from the definitions.
  const bounds: Array<
    [
      type: string,
      attribute: string,
      min: number,
      max: number,
      unit: string,
      goStruct: string,
      extra?: object,
    ]
  > = [
    ['latency', 'latency', 0, 86_400_000, 'ms', 'LatencyToxic'],
    ['latency', 'jitter', 0, 86_400_000, 'ms', 'LatencyToxic'],
    ['bandwidth', 'rate', 0, 100_000_000, 'KB/s', 'BandwidthToxic'],
    ['slow_close', 'delay', 0, 86_400_000, 'ms', 'SlowCloseToxic'],
    ['timeout', 'timeout', 0, 86_400_000, 'ms', 'TimeoutToxic'],
    ['reset_peer', 'timeout', 0, 86_400_000, 'ms', 'ResetToxic'],
    ['limit_data', 'bytes', 0, Number.MAX_SAFE_INTEGER, 'bytes', 'LimitDataToxic'],
    ['slicer', 'average_size', 1, 16_777_216, 'bytes', 'SlicerToxic'],
    ['slicer', 'delay', 0, 60_000_000, 'µs', 'SlicerToxic', { average_size: 10 }],
  ];

  const escape = (text: string) => text.replaceAll(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  const expectation = (unit: string, min: number, max: number) =>
    `expected a whole number of ${unit} from ${min} to ${max} (`;

  /** A whole number outside the range: Toxiproxy accepts it, so faultline's reason is its own. */
  const outOfRange = (type: string, attribute: string, value: number, range: string) => ({
    code: 'FAULTLINE_ERR_INVALID_ATTRIBUTE',
    reason: `invalid attribute ${attribute} of ${type} toxic "${type}_downstream"`,
    hint: new RegExp(`^${escape(`received ${value}; ${range}`)}`),
  });

  /** A value that is no int64 for Go: Toxiproxy's own decoding error, then faultline's explanation. */
  const notInt64 = (
    type: string,
    attribute: string,
    goStruct: string,
    kind: string,
    shown: string,
    range: string,
  ) => ({
    code: 'FAULTLINE_ERR_INVALID_ATTRIBUTE',
    reason: `bad request body: json: cannot unmarshal ${kind} into Go struct field ${goStruct}.attributes.${attribute} of type int64`,
    hint: new RegExp(
      `^${escape(`attribute ${attribute} of ${type} toxic "${type}_downstream": received ${shown}; ${range}`)}`,
    ),
  });

  for (const [type, attribute, min, max, unit, goStruct, extra = {}] of bounds) {
    test(`${type}.${attribute}: ${min} and ${max} pass, ${min - 1} and ${max + 1} fail`, () => {
      const range = expectation(unit, min, max);
      const create = (value: number) =>
        parseToxicCreate({ type, attributes: { ...extra, [attribute]: value } }).attributes[attribute];
      assert.equal(create(min), min);
      assert.equal(create(max), max);
      assert.throws(() => create(min - 1), outOfRange(type, attribute, min - 1, range));
      // One above limit_data's maximum is 2^53: an int64 for Go, so out of range, not a type error.
      assert.throws(() => create(max + 1), outOfRange(type, attribute, max + 1, range));
      assert.throws(
        () => create(min + 0.5),
        notInt64(type, attribute, goStruct, `number ${min + 0.5}`, `${min + 0.5}`, range),
      );

      const current = parseToxicCreate({ type, attributes: { ...extra, [attribute]: min } });
      const update = (value: unknown) =>
        parseToxicUpdate({ attributes: { [attribute]: value } }, current).attributes[attribute];
      assert.equal(update(max), max);
      assert.equal(update(min), min);
      assert.throws(() => update(min - 1), outOfRange(type, attribute, min - 1, range));
      assert.throws(
        () => update(String(max)),
        notInt64(type, attribute, goStruct, 'string', `"${max}"`, range),
      );
    });
  }

  test('a wrongly typed integer attribute names the struct it would decode into, for every type', () => {
    const reason = (type: string, attribute: string) => {
      try {
        parseToxicCreate({ type, attributes: { [attribute]: 'x' } });
      } catch (error) {
        return (error as FaultlineError).reason;
      }
      return 'accepted';
    };
    const struct = (type: string, attribute: string) =>
      /Go struct field (\S+) of type int64$/.exec(reason(type, attribute))?.[1];
    assert.deepEqual(
      [
        struct('latency', 'latency'),
        struct('bandwidth', 'rate'),
        struct('slow_close', 'delay'),
        struct('timeout', 'timeout'),
        struct('reset_peer', 'timeout'),
        struct('slicer', 'average_size'),
        struct('limit_data', 'bytes'),
        struct('connect_delay', 'delay'),
        struct('corrupt', 'probability'),
        struct('udp_latency', 'correlation'),
        struct('loss', 'to_good'),
        struct('duplicate', 'probability'),
        struct('reorder', 'gap'),
        struct('udp_bandwidth', 'queue'),
        // Types without a struct of their own are named by their type.
        struct('limit_time', 'time'),
        struct('http_abort', 'status'),
        struct('grpc_status', 'code'),
      ],
      [
        'LatencyToxic.attributes.latency',
        'BandwidthToxic.attributes.rate',
        'SlowCloseToxic.attributes.delay',
        'TimeoutToxic.attributes.timeout',
        'ResetToxic.attributes.timeout',
        'SlicerToxic.attributes.average_size',
        'LimitDataToxic.attributes.bytes',
        'ConnectDelayToxic.attributes.delay',
        'CorruptToxic.attributes.probability',
        'UdpLatencyToxic.attributes.correlation',
        'LossToxic.attributes.to_good',
        'DuplicateToxic.attributes.probability',
        'ReorderToxic.attributes.gap',
        'UdpBandwidthToxic.attributes.queue',
        'limit_time.attributes.time',
        'http_abort.attributes.status',
        'grpc_status.attributes.code',
      ],
    );
  });

  test('limit_data above the largest safe integer is refused', () => {
    // Past 2^53 JavaScript cannot tell neighbouring integers apart, so such counts are refused:
    // as out of range while Go's int64 holds them (Toxiproxy takes them), with Go's type error past it.
    const range = expectation('bytes', 0, 9_007_199_254_740_991);
    assert.throws(
      () => parseToxicCreate({ type: 'limit_data', attributes: { bytes: 2 ** 53 + 2 } }),
      outOfRange('limit_data', 'bytes', 2 ** 53 + 2, range),
    );
    assert.throws(
      () => parseToxicCreate({ type: 'limit_data', attributes: { bytes: 1e19 } }),
      notInt64(
        'limit_data',
        'bytes',
        'LimitDataToxic',
        'number 10000000000000000000',
        '10000000000000000000',
        range,
      ),
    );
  });

  test('slicer size_variation must stay below average_size, on create and when an update merges', () => {
    const created = parseToxicCreate({ type: 'slicer', attributes: { average_size: 10, size_variation: 9 } });
    assert.equal(created.attributes.size_variation, 9);
    assert.throws(
      () => parseToxicCreate({ type: 'slicer', attributes: { average_size: 10, size_variation: 10 } }),
      {
        code: 'FAULTLINE_ERR_INVALID_ATTRIBUTE',
        message:
          /size_variation must be smaller than average_size, received size_variation 10 and average_size 10/,
      },
    );
    assert.throws(() => parseToxicUpdate({ attributes: { average_size: 9 } }, created), {
      code: 'FAULTLINE_ERR_INVALID_ATTRIBUTE',
      message: /received size_variation 9 and average_size 9/,
    });
  });

  test('an update keeps the attributes it does not name and the toxicity it does not send', () => {
    const current = parseToxicCreate({
      type: 'latency',
      toxicity: 0.25,
      attributes: { latency: 5, jitter: 2 },
    });
    assert.deepEqual(parseToxicUpdate({ attributes: { jitter: 3 } }, current), {
      name: 'latency_downstream',
      type: 'latency',
      stream: 'downstream',
      toxicity: 0.25,
      attributes: { latency: 5, jitter: 3 },
    });
  });

  test('toxicity 0 and 1 pass, just outside fails, on create and on update', () => {
    const toxicity = (value: number) => parseToxicCreate({ type: 'noop', toxicity: value }).toxicity;
    assert.equal(toxicity(0), 0);
    assert.equal(toxicity(1), 1);
    const outside = {
      code: 'FAULTLINE_ERR_INVALID_FIELD',
      message: /toxicity is a probability from 0 to 1/,
    };
    assert.throws(() => toxicity(-0.01), outside);
    assert.throws(() => toxicity(1.01), outside);
    const current = parseToxicCreate({ type: 'noop', toxicity: 0.5 });
    assert.equal(parseToxicUpdate({ toxicity: 1 }, current).toxicity, 1);
    assert.equal(parseToxicUpdate({ toxicity: 0 }, current).toxicity, 0);
    assert.throws(() => parseToxicUpdate({ toxicity: 1.01 }, current), outside);
    assert.throws(() => parseToxicUpdate({ toxicity: -0.01 }, current), outside);
  });

  test('create fills defaults: stream downstream, name type_stream, toxicity 1, attributes from Toxiproxy', () => {
    assert.deepEqual(parseToxicCreate({ type: 'latency' }), {
      name: 'latency_downstream',
      type: 'latency',
      stream: 'downstream',
      toxicity: 1,
      attributes: { latency: 0, jitter: 0 },
    });
    assert.deepEqual(parseToxicCreate({ Type: 'noop', STREAM: 'UpStream' }), {
      name: 'noop_upstream',
      type: 'noop',
      stream: 'upstream',
      toxicity: 1,
      attributes: {},
    });
  });

  test('an update may repeat name, type and stream but not change them', () => {
    const current = parseToxicCreate({ type: 'latency', name: 'lag', stream: 'upstream' });
    assert.equal(
      parseToxicUpdate({ name: 'lag', type: 'latency', stream: 'UPSTREAM', toxicity: 0.5 }, current).toxicity,
      0.5,
    );
    for (const [field, value] of [
      ['name', 'other'],
      ['type', 'noop'],
      ['stream', 'downstream'],
    ] as const) {
      assert.throws(() => parseToxicUpdate({ [field]: value }, current), {
        code: 'FAULTLINE_ERR_INVALID_FIELD',
        message: new RegExp(`the ${field} of a toxic cannot change`),
      });
    }
  });

  test('an unknown type, stream or field is refused by name', () => {
    assert.throws(() => parseToxicCreate({ type: 'lag' }), {
      code: 'FAULTLINE_ERR_INVALID_TOXIC_TYPE',
      reason: 'invalid toxic type',
      hint: 'received "lag"; accepted types: noop, latency, bandwidth, slow_close, timeout, reset_peer, slicer, limit_data, connect_delay, refuse, limit_time, corrupt, udp_latency, loss, duplicate, reorder, udp_bandwidth, http_abort, http_delay, http_modify, grpc_status',
    });
    assert.throws(() => parseToxicCreate({ type: 'latncy' }), {
      code: 'FAULTLINE_ERR_INVALID_TOXIC_TYPE',
      hint: /^received "latncy"; accepted types: noop, latency, .*, grpc_status; did you mean "latency"\?$/,
    });
    assert.throws(() => parseToxicCreate({ type: 'Bandwidth' }), { hint: /; did you mean "bandwidth"\?$/ });
    assert.throws(() => parseToxicCreate({ type: 'udp_latncy' }), {
      hint: /; did you mean "udp_latency"\?$/,
    });
    assert.throws(() => parseToxicCreate({ type: 'noop', stream: 'sideways' }), {
      code: 'FAULTLINE_ERR_INVALID_STREAM',
      reason: 'stream was invalid, can be either upstream or downstream',
      hint: 'received "sideways"',
    });
    assert.throws(() => parseToxicCreate({ type: 'noop', colour: 'red' }), {
      code: 'FAULTLINE_ERR_UNKNOWN_FIELD',
      reason: 'bad request body: json: unknown field "colour"',
      hint: 'toxic has no field "colour" (Toxiproxy would ignore it in silence); accepted fields: name, type, stream, toxicity, attributes',
    });
    assert.throws(() => parseToxicCreate({ type: 'latency', attributes: { latencyy: 1 } }), {
      code: 'FAULTLINE_ERR_UNKNOWN_FIELD',
      reason: 'bad request body: json: unknown field "latencyy"',
      hint: 'attributes of latency toxic "latency_downstream" has no field "latencyy" (Toxiproxy would ignore it in silence); accepted fields: latency, jitter (and, on every toxic, match, first, after, every); did you mean "latency"?',
    });
    assert.throws(() => parseToxicCreate({ type: 'http_abort', attributes: { frist: 2, status: 500 } }), {
      hint: 'attributes of http_abort toxic "http_abort_downstream" has no field "frist" (Toxiproxy would ignore it in silence); accepted fields: action, status, body, headers (and, on every toxic, match, first, after, every); did you mean "first"?',
    });
    assert.throws(() => parseToxicCreate({ type: 'latency', attributes: { mtach: { client: '::1' } } }), {
      hint: 'attributes of latency toxic "latency_downstream" has no field "mtach" (Toxiproxy would ignore it in silence); accepted fields: latency, jitter (and, on every toxic, match, first, after, every); did you mean "match"?',
    });
    assert.throws(() => parseToxicCreate({ type: 'refuse', attributes: { count: 2 } }), {
      code: 'FAULTLINE_ERR_UNKNOWN_FIELD',
      reason: 'bad request body: json: unknown field "count"',
      hint: 'attributes of refuse toxic "refuse_downstream" has no field "count" (Toxiproxy would ignore it in silence); a refuse toxic has no attributes of its own, only the ones every toxic takes (match, first, after, every). Resets new connections at once (TCP RST), before the upstream is dialled: every one it applies to; with the counter `first: N`, the first N, after which they pass.',
    });
    assert.throws(() => parseToxicCreate({ type: 'noop', attributes: { count: 2 } }), {
      hint: 'attributes of noop toxic "noop_downstream" has no field "count" (Toxiproxy would ignore it in silence); a noop toxic has no attributes of its own, only the ones every toxic takes (match, first, after, every). Passes data through unchanged.',
    });
    assert.equal(parseToxicCreate({ type: 'refuse', attributes: { first: 2 } }).type, 'refuse');
  });
});

describe('what each toxic reports and passes on', () => {
  interface Recorded {
    out: Array<{ data: string; at: number }>;
    acted: string[];
    closed: string[];
    discarded: number[];
    ended: boolean;
  }
  function run(body: object, random: RandomSource = scripted([0]), clock = new FakeClock()) {
    const seen: Recorded = { out: [], acted: [], closed: [], discarded: [], ended: false };
    const running = new Stage(
      parseToxicCreate(body),
      {
        accept: (chunk) => seen.out.push({ data: chunk.data.toString(), at: clock.now() }),
        // As the pipeline's sink does: a finished stream closes the connection.
        finish: () => seen.closed.push('end'),
        reset: () => undefined,
        end: () => {
          seen.ended = true;
        },
      },
      random,
      {
        clock,
        discard: (bytes) => seen.discarded.push(bytes),
        closeLink: (mode) => seen.closed.push(mode),
        acted: (_toxic, action) => seen.acted.push(action),
        ready: () => undefined,
      },
    );
    return { clock, seen, running, send: (text: string) => send(running, clock, text) };
  }

  test('timeout: "drop" once, bytes discarded, "close" when it fires', async () => {
    const { clock, seen, send: write } = run({ type: 'timeout', attributes: { timeout: 50 } });
    write('abc');
    write('de');
    await clock.advance(50);
    assert.deepEqual(seen, {
      out: [],
      acted: ['drop', 'close'],
      closed: ['end'],
      discarded: [3, 2],
      ended: false,
    });
  });

  test('limit_data: "limit" once, no empty piece after the limit, the rest discarded', async () => {
    const { clock, seen, send: write } = run({ type: 'limit_data', attributes: { bytes: 3 } });
    write('abc');
    write('def');
    await clock.advance(0);
    assert.deepEqual(seen, {
      out: [{ data: 'abc', at: 0 }],
      acted: ['limit'],
      closed: ['end'],
      discarded: [0, 3],
      ended: false,
    });
  });

  test('reset_peer: "reset" and the chunk discarded; slow_close: "delay close"', async () => {
    const reset = run({ type: 'reset_peer', attributes: { timeout: 5 } });
    reset.send('abcd');
    await reset.clock.advance(5);
    assert.deepEqual(
      [reset.seen.acted, reset.seen.closed, reset.seen.discarded, reset.seen.out],
      [['reset'], ['reset'], [4], []],
    );
    const slow = run({ type: 'slow_close', attributes: { delay: 5 } });
    slow.send('x');
    slow.running.end();
    await slow.clock.advance(5);
    assert.deepEqual(
      [slow.seen.acted, slow.seen.ended, slow.seen.out],
      [['delay close'], true, [{ data: 'x', at: 0 }]],
    );
  });

  test('bandwidth: "stall" at rate 0, holding data until interrupted; "throttle" otherwise', async () => {
    const stalled = run({ type: 'bandwidth', attributes: { rate: 0 } });
    stalled.send('held');
    await stalled.clock.advance(10_000);
    assert.deepEqual([stalled.seen.acted, stalled.seen.out], [['stall'], []]);
    await stalled.running.interrupt();
    assert.deepEqual(stalled.seen.out, [{ data: 'held', at: 10_000 }]);
    const throttled = run({ type: 'bandwidth', attributes: { rate: 1 } });
    throttled.send('ab');
    await throttled.clock.advance(2);
    assert.deepEqual([throttled.seen.acted, throttled.seen.out], [['throttle'], [{ data: 'ab', at: 2 }]]);
  });

  test('bandwidth works in Go-sized reads: interrupted, it releases the rest of its 32 KiB read only', async () => {
    const { clock, seen, running } = run({ type: 'bandwidth', attributes: { rate: 1 } });
    running.accept({ data: Buffer.alloc(100 * 1024, 'x'), time: clock.now() });
    await clock.advance(150);
    await running.interrupt();
    assert.deepEqual(
      seen.out.map((piece) => piece.data.length),
      [100, 32 * 1024 - 100],
    );
  });

  test('bandwidth at rate 0, interrupted, releases its read with the reads that drained the same wait', async () => {
    const { clock, seen, running } = run({ type: 'bandwidth', attributes: { rate: 0 } });
    const read = (bytes: number, readFilled: boolean) =>
      running.accept({ data: Buffer.alloc(bytes, 'x'), time: clock.now(), readFilled });
    read(2048, true);
    read(4096, true);
    read(1000, false); // the socket was empty after this one
    read(3000, false);
    await clock.advance(10);
    await running.interrupt();
    assert.deepEqual(
      seen.out.map((piece) => piece.data.length),
      [7144],
    );
    const late = run({ type: 'bandwidth', attributes: { rate: 0 } });
    late.running.accept({ data: Buffer.alloc(2048), time: late.clock.now(), readFilled: true });
    await late.clock.advance(51);
    late.running.accept({ data: Buffer.alloc(4096), time: late.clock.now() });
    await late.running.interrupt();
    assert.deepEqual(
      late.seen.out.map((piece) => piece.data.length),
      [2048],
      'a read long after is not the same wait',
    );
  });

  test('bandwidth interrupted mid-chunk passes the unsent rest at once', async () => {
    const { clock, seen, running, send: write } = run({ type: 'bandwidth', attributes: { rate: 1 } });
    write('x'.repeat(250));
    await clock.advance(150);
    await running.interrupt();
    assert.deepEqual(
      seen.out.map((piece) => [piece.data.length, piece.at]),
      [
        [100, 100],
        [150, 150],
      ],
    );
  });

  test('latency 0 neither waits nor reports a delay', async () => {
    const { clock, seen, send: write } = run({ type: 'latency', attributes: { latency: 0 } });
    write('a');
    await clock.advance(0);
    assert.deepEqual([seen.acted, seen.out], [[], [{ data: 'a', at: 0 }]]);
  });

  test('slicer: "slice", sizes average + int(-variation, variation), delay µs apart on the schedule', async () => {
    const random = scripted([0], ['min', 'max', 0]);
    const {
      clock,
      seen,
      send: write,
    } = run({ type: 'slicer', attributes: { average_size: 4, size_variation: 2, delay: 1500 } }, random);
    write('abcdefghijkl');
    await clock.advance(10);
    assert.deepEqual(random.intCalls, [
      [-2, 2],
      [-2, 2],
      [-2, 2],
    ]);
    // Sizes 4 - 2, 4 + 2 and 4 + 0 cover the 12 bytes; the pieces leave 1.5 ms apart.
    assert.deepEqual(seen.acted, ['slice']);
    assert.deepEqual(
      seen.out.map((piece) => [piece.data, piece.at]),
      [
        ['ab', 0],
        ['cdefgh', 1.5],
        ['ijkl', 3],
      ],
    );
  });

  test('slicer without variation draws no numbers; without delay all pieces leave at once', async () => {
    const random = scripted([0], []);
    const { clock, seen, send: write } = run({ type: 'slicer', attributes: { average_size: 3 } }, random);
    write('abcdefg');
    await clock.advance(0);
    assert.deepEqual(random.intCalls, []);
    assert.deepEqual(
      seen.out.map((piece) => [piece.data, piece.at]),
      [
        ['abc', 0],
        ['def', 0],
        ['g', 0],
      ],
    );
  });

  test('timeout 0 drops data without ever closing; "drop" is reported once however many chunks', async () => {
    const { clock, seen, send: write } = run({ type: 'timeout', attributes: { timeout: 0 } });
    write('abc');
    write('de');
    write('f');
    await clock.advance(86_400_000);
    assert.deepEqual(seen, { out: [], acted: ['drop'], closed: [], discarded: [3, 2, 1], ended: false });
  });

  test('timeout: the end of the stream closes the link at once, in place of a half-close', async () => {
    const { clock, seen, running, send: write } = run({ type: 'timeout', attributes: { timeout: 0 } });
    write('xy');
    running.end();
    await clock.advance(0);
    assert.deepEqual(seen, { out: [], acted: ['drop'], closed: ['end'], discarded: [2], ended: false });
  });

  test('slicer: an empty chunk makes no piece', async () => {
    const { clock, seen, running } = run(
      { type: 'slicer', attributes: { average_size: 1 } },
      scripted([0], []),
    );
    running.accept({ data: Buffer.alloc(0), time: 0 });
    send(running, clock, 'ab');
    await clock.advance(0);
    assert.deepEqual(
      seen.out.map((piece) => piece.data),
      ['a', 'b'],
    );
  });

  test('slicer without delay pushes every piece in the same turn when nothing holds it back', () => {
    const { seen, send: write } = run({ type: 'slicer', attributes: { average_size: 1 } }, scripted([0], []));
    write('abc');
    assert.deepEqual(
      seen.out.map((piece) => piece.data),
      ['a', 'b', 'c'],
      'no await (not even a microtask) between pieces',
    );
  });

  test('slicer: delays under 1 ms add up on the schedule and are slept once they reach 1 ms', async () => {
    const {
      clock,
      seen,
      send: write,
    } = run({ type: 'slicer', attributes: { average_size: 1, delay: 500 } }, scripted([0], []));
    write('abcde');
    await clock.advance(10);
    // Due at 0, 0.5, 1, 1.5 and 2 ms: a wait under 1 ms is not slept, a wait of exactly 1 ms is.
    assert.deepEqual(
      seen.out.map((piece) => [piece.data, piece.at]),
      [
        ['a', 0],
        ['b', 0],
        ['c', 1],
        ['d', 1],
        ['e', 2],
      ],
    );
  });

  test('slicer: a timer that wakes late is made up on the next pieces, so the schedule holds', async () => {
    const {
      clock,
      seen,
      send: write,
    } = run(
      { type: 'slicer', attributes: { average_size: 1, delay: 1000 } },
      scripted([0], []),
      new FakeClock(0.5),
    );
    write('abcdefg');
    await clock.advance(20);
    // Due at 0, 1, 2 ... 6 ms. Each sleep wakes 0.5 ms late; the wait after it is 0.5 ms shorter,
    // and under 1 ms it is not slept, so every second piece leaves with the one before it.
    assert.deepEqual(
      seen.out.map((piece) => [piece.data, piece.at]),
      [
        ['a', 0],
        ['b', 1.5],
        ['c', 1.5],
        ['d', 3.5],
        ['e', 3.5],
        ['f', 5.5],
        ['g', 5.5],
      ],
    );
  });

  test('slicer catches up at most 10 ms of a late wake-up; later pieces keep their full gap', async () => {
    const {
      clock,
      seen,
      send: write,
    } = run(
      { type: 'slicer', attributes: { average_size: 1, delay: 4000 } },
      scripted([0], []),
      new FakeClock(20),
    );
    write('abcde');
    await clock.advance(100);
    // b is due at 4 and wakes at 24: the schedule moves on from 24 - 10, so c (due at 18) and d
    // (22) go at once, and e, due at 26, sleeps 2 ms and wakes at 46.
    assert.deepEqual(
      seen.out.map((piece) => [piece.data, piece.at]),
      [
        ['a', 0],
        ['b', 24],
        ['c', 24],
        ['d', 24],
        ['e', 46],
      ],
    );
  });

  test('slicer: a chunk after an idle connection keeps its full gaps, the idle time is no debt', async () => {
    const {
      clock,
      seen,
      send: write,
    } = run({ type: 'slicer', attributes: { average_size: 1, delay: 2000 } }, scripted([0], []));
    write('ab');
    await clock.advance(50);
    write('cde');
    await clock.advance(50);
    assert.deepEqual(
      seen.out.map((piece) => [piece.data, piece.at]),
      [
        ['a', 0],
        ['b', 2],
        ['c', 50],
        ['d', 52],
        ['e', 54],
      ],
    );
  });

  test('slicer waits only between the pieces of a chunk, not after its last one', async () => {
    const {
      clock,
      seen,
      send: write,
    } = run({ type: 'slicer', attributes: { average_size: 2, delay: 2000 } }, scripted([0], []));
    write('abcd');
    write('ef');
    await clock.advance(10);
    assert.deepEqual(
      seen.out.map((piece) => [piece.data, piece.at]),
      [
        ['ab', 0],
        ['cd', 2],
        ['ef', 2],
      ],
    );
  });

  test('slicer updated to delay 0 while waiting: later pieces no longer wait for the old schedule', async () => {
    const {
      clock,
      seen,
      running,
      send: write,
    } = run({ type: 'slicer', attributes: { average_size: 1, delay: 5000 } }, scripted([0, 0], []));
    write('abc');
    await clock.advance(2);
    await running.interrupt();
    running.resume(parseToxicCreate({ type: 'slicer', attributes: { average_size: 1, delay: 0 } }));
    write('de');
    await clock.advance(10);
    assert.deepEqual(
      seen.out.map((piece) => [piece.data, piece.at]),
      [
        ['a', 0],
        ['bc', 2],
        ['d', 2],
        ['e', 2],
      ],
    );
  });

  test('slow_close updated while it holds the close holds it for the new delay, from the update, as Toxiproxy', async () => {
    const { clock, seen, running } = run(
      { type: 'slow_close', attributes: { delay: 1000 } },
      scripted([0, 0]),
    );
    running.end();
    await clock.advance(100);
    await running.interrupt();
    running.resume(parseToxicCreate({ type: 'slow_close', attributes: { delay: 50 } }));
    await clock.advance(49);
    assert.equal(seen.ended, false, 'the close is still held');
    await clock.advance(1);
    assert.equal(seen.ended, true);
  });

  test('limit_data 0 passes nothing, not even an empty piece, and closes at the first chunk', async () => {
    const { clock, seen, send: write } = run({ type: 'limit_data', attributes: { bytes: 0 } });
    write('abc');
    await clock.advance(0);
    assert.deepEqual(seen, { out: [], acted: ['limit'], closed: ['end'], discarded: [3], ended: false });
  });

  test('reset_peer: the end of the stream without data resets too, after the timeout', async () => {
    const { clock, seen, running } = run({ type: 'reset_peer', attributes: { timeout: 20 } });
    running.end();
    await clock.advance(19);
    assert.deepEqual([seen.acted, seen.closed], [[], []]);
    await clock.advance(1);
    assert.deepEqual(seen, { out: [], acted: ['reset'], closed: ['reset'], discarded: [], ended: true });
  });

  test('bandwidth 0 updated to a rate: data flows at that rate, the stall left no debt on the schedule', async () => {
    const {
      clock,
      seen,
      running,
      send: write,
    } = run({ type: 'bandwidth', attributes: { rate: 0 } }, scripted([0, 0]));
    write('held');
    await clock.advance(50);
    await running.interrupt();
    running.resume(parseToxicCreate({ type: 'bandwidth', attributes: { rate: 10 } }));
    write('x'.repeat(1000));
    await clock.advance(200);
    assert.deepEqual(
      seen.out.map((piece) => [piece.data.length, piece.at]),
      [
        [4, 50],
        [1000, 150],
      ],
    );
  });

  test('noop passes chunks as they are; a toxic that missed its roll reports nothing', async () => {
    const noop = run({ type: 'noop' });
    noop.send('a');
    await noop.clock.advance(0);
    assert.deepEqual(noop.seen.out, [{ data: 'a', at: 0 }]);
    const missed = run({ type: 'timeout', toxicity: 0.5, attributes: { timeout: 5 } }, scripted([0.9]));
    missed.send('a');
    missed.running.end();
    await missed.clock.advance(10);
    assert.deepEqual(
      [missed.seen.acted, missed.seen.closed, missed.seen.out, missed.seen.ended],
      [[], [], [{ data: 'a', at: 0 }], true],
    );
  });

  test('the end passes once, after the queue, even when end() is called twice', async () => {
    let ends = 0;
    const clock = new FakeClock();
    const order: string[] = [];
    const running = new Stage(
      parseToxicCreate({ type: 'latency', attributes: { latency: 5 } }),
      {
        accept: (chunk) => order.push(chunk.data.toString()),
        finish: () => undefined,
        reset: () => undefined,
        end: () => ((ends += 1), order.push('end')),
      },
      scripted([0]),
      {
        clock,
        discard: () => undefined,
        closeLink: () => undefined,
        acted: () => undefined,
        ready: () => undefined,
      },
    );
    send(running, clock, 'a');
    running.end();
    running.end();
    await clock.advance(10);
    assert.deepEqual([order, ends], [['a', 'end'], 1]);
    const next: string[] = [];
    assert.equal(
      running.flushInto({
        accept: () => next.push('chunk'),
        finish: () => undefined,
        reset: () => undefined,
        end: () => next.push('end'),
      }),
      undefined,
    );
    assert.deepEqual(next, [], 'an end already passed is not passed again');
  });
});

describe('bandwidth scope', () => {
  /** Two connections' stages of one toxic: the same spec, so the same attributes object. */
  async function twoConnections(attributes: Record<string, unknown>) {
    const clock = new FakeClock();
    const { out, sink } = recorder(clock);
    const spec = parseToxicCreate({ type: 'bandwidth', attributes });
    const first = stage(spec, sink, scripted([0]), clock);
    const second = stage(spec, sink, scripted([0]), clock);
    // rate 10 KB/s = 10 bytes per ms: 1000 bytes take 100 ms.
    send(first, clock, 'a'.repeat(1000));
    send(second, clock, 'b'.repeat(1000));
    await clock.advance(300);
    return out.map((piece) => [piece.data[0], piece.at]);
  }

  test('"proxy": the connections share one schedule, so the second one waits for the first', async () => {
    assert.deepEqual(await twoConnections({ rate: 10, scope: 'proxy' }), [
      ['a', 100],
      ['b', 200],
    ]);
  });

  test('"connection" (the default): each connection gets the whole rate', async () => {
    const each = [
      ['a', 100],
      ['b', 100],
    ];
    assert.deepEqual(await twoConnections({ rate: 10, scope: 'connection' }), each);
    assert.deepEqual(await twoConnections({ rate: 10 }), each);
  });
});

describe('a stage', () => {
  function host(clock: FakeClock, acted: string[] = []) {
    return {
      clock,
      discard: () => undefined,
      closeLink: () => undefined,
      acted: (_toxic: ToxicSpec, action: string, first: boolean) =>
        acted.push(`${action}${first ? ' (first)' : ''}`),
      ready: () => undefined,
    };
  }
  const latency = (ms: number, name?: string) =>
    parseToxicCreate({ type: 'latency', ...(name ? { name } : {}), attributes: { latency: ms } });

  test("tells the host which action is the toxic's first on this connection", async () => {
    const clock = new FakeClock();
    const acted: string[] = [];
    const running = new Stage(latency(10), recorder(clock).sink, scripted([0]), host(clock, acted));
    send(running, clock, 'a');
    await clock.advance(10);
    send(running, clock, 'b');
    await clock.advance(10);
    assert.deepEqual(acted, ['delay (first)', 'delay']);
  });

  test('passes chunks through in the same turn when the toxic and the host hold nothing back', () => {
    const clock = new FakeClock();
    const out: string[] = [];
    // Returns nothing, as a socket sink or a next stage does.
    const sink: Receiver = {
      accept: (chunk) => {
        out.push(chunk.data.toString());
      },
      finish: () => undefined,
      reset: () => undefined,
      end: () => undefined,
    };
    const running = new Stage(parseToxicCreate({ type: 'noop' }), sink, scripted([0]), host(clock));
    send(running, clock, 'a');
    send(running, clock, 'b');
    assert.deepEqual(out, ['a', 'b'], 'no await (not even a microtask) between chunks');
  });

  test('a toxic with no byte-level behaviour (connect_delay) passes chunks unchanged', async () => {
    const clock = new FakeClock();
    const { out, sink } = recorder(clock);
    const spec = parseToxicCreate({ type: 'connect_delay', attributes: { delay: 50 } });
    const running = new Stage(spec, sink, scripted([0]), host(clock));
    send(running, clock, 'a');
    await clock.advance(0);
    assert.deepEqual(out, [{ data: 'a', at: 0 }]);
  });

  test("an interrupted latency leaves the chunk's time as it was, so a latency after it still counts from arrival", async () => {
    const clock = new FakeClock();
    const { out, sink } = recorder(clock);
    const second = new Stage(latency(50, 'second'), sink, scripted([0]), host(clock));
    const first = new Stage(latency(100, 'first'), second, scripted([0]), host(clock));
    send(first, clock, 'a');
    await clock.advance(30);
    await first.interrupt();
    await clock.advance(200);
    assert.deepEqual(out, [{ data: 'a', at: 50 }]);
  });

  test('flushInto hands a pending end to the next receiver once', async () => {
    const clock = new FakeClock();
    const firstEnds: string[] = [];
    const running = new Stage(
      latency(100),
      {
        accept: () => undefined,
        finish: () => undefined,
        reset: () => undefined,
        end: () => firstEnds.push('end'),
      },
      scripted([0]),
      host(clock),
    );
    send(running, clock, 'a');
    running.end();
    await running.interrupt();
    const next: string[] = [];
    const receiver = {
      accept: (chunk: Chunk) => next.push(chunk.data.toString()),
      end: () => next.push('end'),
      finish: () => next.push('finish'),
      reset: () => undefined,
    };
    assert.equal(running.flushInto(receiver), undefined);
    running.flushInto(receiver);
    assert.deepEqual([firstEnds, next], [[], ['end']]);
  });

  test('a disposed stage passes nothing on: neither what it queued nor what comes later', async () => {
    const clock = new FakeClock();
    const order: string[] = [];
    const receiver = {
      accept: (chunk: Chunk) => order.push(chunk.data.toString()),
      end: () => order.push('end'),
      finish: () => order.push('finish'),
      reset: () => undefined,
    };
    const running = new Stage(latency(100), receiver, scripted([0]), host(clock));
    send(running, clock, 'held');
    send(running, clock, 'queued');
    running.dispose();
    send(running, clock, 'later');
    running.end();
    await clock.advance(300);
    // The chunk the latency held is let go when the stage aborts; nothing after it.
    assert.deepEqual(order, ['held']);
  });
});

describe('toxic targeting on the wire: match and counters inside attributes', () => {
  test('match and counters are read in any letter case and taken out of the attributes; null is not sent', () => {
    const toxic = parseToxicCreate({
      type: 'latency',
      attributes: { Latency: 5, MATCH: { client: '127.0.0.2' }, First: 2, every: null },
    });
    assert.deepEqual(toxic, {
      name: 'latency_downstream',
      type: 'latency',
      stream: 'downstream',
      toxicity: 1,
      attributes: { latency: 5, jitter: 0 },
      match: { client: ['127.0.0.2'] },
      counter: { first: 2 },
    });
    assert.deepEqual(parseToxicCreate({ type: 'noop', attributes: { match: null, after: null } }), {
      name: 'noop_downstream',
      type: 'noop',
      stream: 'downstream',
      toxicity: 1,
      attributes: {},
    });
  });

  test('an update keeps match and counters it does not send, and merges the counters it does', () => {
    const current = parseToxicCreate({
      type: 'latency',
      attributes: { latency: 5, match: { client: '127.0.0.2' }, first: 3, after: 1 },
    });
    const same = parseToxicUpdate({ attributes: { latency: 6, match: null } }, current);
    assert.deepEqual(
      [same.attributes, same.match, same.counter],
      [{ latency: 6, jitter: 0 }, { client: ['127.0.0.2'] }, { first: 3, after: 1 }],
    );
    const changed = parseToxicUpdate({ attributes: { AFTER: 4, match: { client: '10.0.0.0/8' } } }, current);
    assert.deepEqual([changed.match, changed.counter], [{ client: ['10.0.0.0/8'] }, { first: 3, after: 4 }]);
    const plain = parseToxicCreate({ type: 'noop' });
    const counted = parseToxicUpdate({ attributes: { every: 2 } }, plain);
    assert.deepEqual([counted.match, counted.counter], [undefined, { every: 2 }]);
    assert.equal('match' in counted, false);
  });

  test('first: 0 is refused on a new toxic and takes the counter off in an update', () => {
    assert.throws(() => parseToxicCreate({ type: 'latency', name: 'lag', attributes: { first: 0 } }), {
      code: 'FAULTLINE_ERR_INVALID_ATTRIBUTE',
      reason: 'invalid attribute first of latency toxic "lag"',
      hint: 'received 0; a new toxic takes first from 1 to 1000000000 (the toxic applies only to the first N matching requests or connections); leave first out for no counter (0 takes a counter off only in an update)',
    });
    const current = parseToxicCreate({ type: 'latency', name: 'lag', attributes: { first: 2, every: 3 } });
    assert.deepEqual(parseToxicUpdate({ attributes: { first: 0 } }, current).counter, { every: 3 });
    const off = parseToxicUpdate({ attributes: { first: 0, every: 0 } }, current);
    assert.equal('counter' in off, false);
  });

  test('an update merges the match key by key: a key sent replaces it, null removes it, {} removes all', () => {
    const current = parseToxicCreate({
      type: 'http_abort',
      attributes: { status: 502, match: { client: '10.0.0.0/8', method: ['POST', 'PUT'], path: '/v1/*' } },
    });
    const narrowed = parseToxicUpdate({ attributes: { match: { CLIENT: '127.0.0.1' } } }, current);
    assert.deepEqual(narrowed.match, { client: ['127.0.0.1'], method: ['POST', 'PUT'], path: '/v1/*' });
    const removed = parseToxicUpdate({ attributes: { match: { method: null, path: null } } }, current);
    assert.deepEqual(removed.match, { client: ['10.0.0.0/8'] });
    const emptied = parseToxicUpdate(
      { attributes: { match: { client: null, method: null, path: null } } },
      current,
    );
    assert.equal('match' in emptied, false);
    assert.equal('match' in parseToxicUpdate({ attributes: { match: {} } }, current), false);
    assert.throws(() => parseToxicUpdate({ attributes: { match: { method: [] } } }, current), {
      code: 'FAULTLINE_ERR_INVALID_ATTRIBUTE',
    });
    assert.throws(() => parseToxicUpdate({ attributes: { match: 'POST' } }, current), {
      message: /invalid match/,
    });
  });

  test('wholeMatch: the update that leaves exactly the desired match, every other key sent as null', () => {
    assert.deepEqual(wholeMatch(undefined), {});
    assert.deepEqual(wholeMatch(null), {});
    assert.deepEqual(wholeMatch({}), {});
    assert.equal(wholeMatch('POST'), 'POST');
    const current = parseToxicCreate({
      type: 'http_abort',
      attributes: { match: { client: '10.0.0.0/8', method: 'POST', headers: { 'x-a': '1' } } },
    });
    const restored = parseToxicUpdate({ attributes: { match: wholeMatch({ path: '/x' }) } }, current);
    assert.deepEqual(restored.match, { path: '/x' });
    assert.deepEqual(Object.keys(wholeMatch({ path: '/x' }) as object).length, matchKeys.length);
  });

  test('null unsets body or json_patch in an update, so one request swaps them; null keeps an integer', () => {
    const current = parseToxicCreate({ type: 'http_modify', attributes: { body: 'small', status: 201 } });
    const swapped = parseToxicUpdate(
      { attributes: { BODY: null, json_patch: { x: 1 }, status: null } },
      current,
    );
    assert.deepEqual(
      [swapped.attributes.body, swapped.attributes.json_patch, swapped.attributes.status],
      [null, { x: 1 }, 201],
    );
    const kept = parseToxicUpdate({ attributes: { status: 202 } }, current);
    assert.deepEqual([kept.attributes.body, kept.attributes.status], ['small', 202]);
    assert.throws(() => parseToxicUpdate({ attributes: { json_patch: { x: 1 } } }, current), {
      hint: 'give body or json_patch, not both: a replaced body has nothing to patch',
    });
  });

  test('null is "not sent" where the default is the zero value, as Toxiproxy; refused where it is not', () => {
    const lag = parseToxicCreate({ type: 'latency', attributes: { latency: null, JITTER: null } });
    assert.deepEqual(lag.attributes, { latency: 0, jitter: 0 }, "Go's zero value: what Toxiproxy creates");
    const updated = parseToxicUpdate(
      { attributes: { latency: null } },
      { ...lag, attributes: { latency: 7, jitter: 0 } },
    );
    assert.equal(updated.attributes.latency, 7, 'Go leaves the field alone on null: the current value stays');
    for (const [type, attribute, hint] of [
      [
        'http_abort',
        'status',
        /^received null, which could mean the default 503, zero or none; leave status out for its default 503, or give a whole number of HTTP status from 200 to 599$/,
      ],
      [
        'udp_latency',
        'distribution',
        /leave distribution out for its default "uniform", or give one of "uniform", "normal", "pareto", "paretonormal"$/,
      ],
      ['loss', 'P23', /leave p23 out for its default 1000000/],
    ] as const) {
      assert.throws(() => parseToxicCreate({ type, name: 'x', attributes: { [attribute]: null } }), {
        code: 'FAULTLINE_ERR_INVALID_ATTRIBUTE',
        reason: `invalid attribute ${attribute.toLowerCase()} of ${type} toxic "x"`,
        hint,
      });
    }
  });

  test('null is "not sent" for an empty text or object default too; an update refused for null names the value it keeps', () => {
    const abort = parseToxicCreate({ type: 'http_abort', attributes: { body: null, headers: null } });
    assert.deepEqual(abort.attributes, { action: 'respond', status: 503, body: '', headers: {} });
    const current = parseToxicCreate({ type: 'http_abort', name: 'x', attributes: { status: 502 } });
    assert.throws(() => parseToxicUpdate({ attributes: { status: null } }, current), {
      code: 'FAULTLINE_ERR_INVALID_ATTRIBUTE',
      reason: 'invalid attribute status of http_abort toxic "x"',
      hint: 'received null, which could mean the default 503, zero or none; leave status out to keep 502, or give a whole number of HTTP status from 200 to 599',
    });
  });

  test('mergedMatch leaves anything but an object to parseMatch to refuse', () => {
    for (const sent of [null, 'x', 5, [{ path: '/a' }]])
      assert.deepEqual(mergedMatch({ path: '/b' }, sent), sent);
  });

  test('the wire form: own attributes, a choice at its omitted default left out, then match and counters', () => {
    const show = (body: object) => wireAttributes(parseToxicCreate(body));
    assert.deepEqual(show({ type: 'bandwidth', attributes: { rate: 5 } }), { rate: 5 });
    assert.deepEqual(show({ type: 'bandwidth', attributes: { rate: 5, scope: 'proxy' } }), {
      rate: 5,
      scope: 'proxy',
    });
    // limit_time's mode has no omitDefault: it is shown at its default too.
    assert.deepEqual(show({ type: 'limit_time' }), { time: 0, mode: 'reset' });
    const targeted = show({
      type: 'latency',
      attributes: { latency: 1, every: 3, match: { client: '127.0.0.2' }, first: 2, after: 1 },
    });
    assert.deepEqual(targeted, {
      latency: 1,
      jitter: 0,
      match: { client: ['127.0.0.2'] },
      first: 2,
      after: 1,
      every: 3,
    });
    assert.deepEqual(Object.keys(targeted), ['latency', 'jitter', 'match', 'first', 'after', 'every']);
    const toxic = parseToxicCreate({ type: 'bandwidth', attributes: { rate: 5 } });
    wireAttributes(toxic);
    assert.deepEqual(toxic.attributes, { rate: 5, scope: 'connection' }, 'the toxic itself keeps its scope');
  });

  test('names: an empty name takes the default, a bad one is refused with where it was', () => {
    assert.equal(parseToxicCreate({ type: 'noop', name: '' }).name, 'noop_downstream');
    assert.throws(() => parseToxicCreate({ type: 'noop', name: 'a/b' }, 'toxic 2 of proxy "db"'), {
      code: 'FAULTLINE_ERR_INVALID_FIELD',
      reason: 'invalid name',
      hint: 'the toxic name in toxic 2 of proxy "db" "a/b" may contain only letters, digits, "_", ".", ":" and "-" (Toxiproxy 2.12 takes any name, but one with "/" can never be addressed, and a space or an escape sequence prints as something else)',
    });
    assert.throws(() => parseToxicCreate({ type: 'noop', colour: 1 }, 'toxic 2 of proxy "db"'), {
      code: 'FAULTLINE_ERR_UNKNOWN_FIELD',
      hint: 'toxic 2 of proxy "db" has no field "colour" (Toxiproxy would ignore it in silence); accepted fields: name, type, stream, toxicity, attributes',
    });
  });

  test('a request toxic refuses stream upstream, in any case, and takes downstream in any case', () => {
    for (const stream of ['upstream', 'UpStream']) {
      assert.throws(() => parseToxicCreate({ type: 'http_delay', stream }), {
        code: 'FAULTLINE_ERR_INVALID_STREAM',
        reason: 'stream does not apply to http_delay toxics',
        hint: `received ${JSON.stringify(stream)}; a request toxic acts on whole requests and answers, so leave stream out (or send the default "downstream")`,
      });
    }
    assert.equal(parseToxicCreate({ type: 'http_delay', stream: 'DOWNSTREAM' }).stream, 'downstream');
  });

  test('an update names the toxic in its errors and says what the unchangeable field is', () => {
    const current = parseToxicCreate({ type: 'latency', name: 'lag', stream: 'upstream' });
    assert.throws(() => parseToxicUpdate({ stream: 'Downstream' }, current), {
      code: 'FAULTLINE_ERR_INVALID_FIELD',
      reason: 'the stream of a toxic cannot change',
      hint: 'it is "upstream", received "downstream"; remove the toxic and add a new one instead (Toxiproxy 2.12 ignores a new stream and answers 200, so the change looked done)',
    });
    assert.throws(() => parseToxicUpdate({ type: 'noop' }, current), {
      reason: 'the type of a toxic cannot change',
      hint: 'it is "latency", received "noop"; remove the toxic and add a new one instead (Toxiproxy 2.12 ignores a new type and answers 200, so the change looked done)',
    });
    assert.throws(() => parseToxicUpdate({ colour: 1 }, current), {
      code: 'FAULTLINE_ERR_UNKNOWN_FIELD',
      hint: 'update of toxic "lag" has no field "colour" (Toxiproxy would ignore it in silence); accepted fields: name, type, stream, toxicity, attributes',
    });
    assert.throws(() => parseToxicUpdate({ attributes: { latency: -1 } }, current), {
      code: 'FAULTLINE_ERR_INVALID_ATTRIBUTE',
      reason: 'invalid attribute latency of latency toxic "lag"',
    });
    assert.throws(() => parseToxicUpdate({ attributes: { colour: 1 } }, current), {
      code: 'FAULTLINE_ERR_UNKNOWN_FIELD',
      hint: 'attributes of latency toxic "lag" has no field "colour" (Toxiproxy would ignore it in silence); accepted fields: latency, jitter (and, on every toxic, match, first, after, every)',
    });
  });

  test("an attribute that is not an integer but has the wrong value keeps faultline's own reason", () => {
    assert.throws(() => parseToxicCreate({ type: 'limit_time', attributes: { mode: 'stop' } }), {
      code: 'FAULTLINE_ERR_INVALID_ATTRIBUTE',
      reason: 'invalid attribute mode of limit_time toxic "limit_time_downstream"',
      hint: /^received "stop"; expected one of "reset", "hang" \(/,
    });
    assert.throws(() => parseToxicCreate({ type: 'loss', attributes: { to_good: 5 } }), {
      code: 'FAULTLINE_ERR_INVALID_ATTRIBUTE',
      reason: 'invalid attributes of loss toxic "loss_downstream"',
      hint: 'to_good set without p13 (4-state model) or to_bad (Gilbert-Elliott), which choose their model; received to_good 5. Use one model: probability/correlation, p13/p31/p32/p23/p14 or to_bad/to_good/bad_loss/good_loss',
    });
  });

  test('a json attribute is copied: changing the body sent later does not change the toxic', () => {
    const headers = { 'retry-after': '1' };
    const toxic = parseToxicCreate({ type: 'http_abort', attributes: { headers } });
    headers['retry-after'] = '2';
    assert.deepEqual(toxic.attributes.headers, { 'retry-after': '1' });
  });
});

test('http_modify refuses a body or json_patch with a 204 or 304, which carry none', () => {
  const modifyWith = (attributes: object) => () => parseToxicCreate({ type: 'http_modify', attributes });
  for (const status of [204, 304]) {
    assert.throws(modifyWith({ status, body: 'xyz' }), {
      hint: `a ${status} answer has no body (RFC 9110), so a client would never see "body"; leave body out, or use a status that carries one`,
    });
    assert.throws(modifyWith({ status, json_patch: { a: 1 } }), {
      hint: `a ${status} answer has no body (RFC 9110), so a client would never see "json_patch"; leave json_patch out, or use a status that carries one`,
    });
    assert.doesNotThrow(modifyWith({ status }));
    assert.doesNotThrow(modifyWith({ status, body: '' }));
  }
  assert.doesNotThrow(modifyWith({ status: 200, body: 'xyz' }));
});

describe('http_abort refuses what the client would never get', () => {
  const abortWith = (attributes: object) => () => parseToxicCreate({ type: 'http_abort', attributes });

  test("content-length and hop-by-hop headers are the proxy's to set, as for http_modify", () => {
    assert.throws(abortWith({ headers: { 'Content-Length': '99' } }), {
      hint: 'content-length frames the body, so the proxy sets it from body; to change the answer, change body',
    });
    assert.throws(abortWith({ headers: { 'transfer-encoding': 'chunked' } }), {
      hint: 'transfer-encoding describes one connection, not the answer, so the proxy sets it itself; accepted: any other header',
    });
    assert.doesNotThrow(abortWith({ headers: { 'retry-after': '1' } }));
  });

  test('a body with 204 or 304 is refused; without one, or with another status, it is taken', () => {
    for (const status of [204, 304]) {
      assert.throws(abortWith({ status, body: 'hello' }), {
        hint: `a ${status} answer has no body (RFC 9110), so a client would never see "body"; leave body out, or use a status that carries one`,
      });
      assert.doesNotThrow(abortWith({ status }));
    }
    assert.doesNotThrow(abortWith({ status: 205 }));
    assert.doesNotThrow(abortWith({ status: 200, body: 'hello' }));
  });

  test('action reset sends no answer: a status, body or headers with it is refused, not ignored', () => {
    const hint = (given: string) =>
      `action "reset" resets the connection (HTTP/1.1) or the stream (HTTP/2) and sends no answer, so ${given} would never reach the client; leave status, body and headers out (in an update, send them back to 503, "" and {}), or use action "respond"`;
    assert.throws(abortWith({ action: 'reset', status: 500 }), {
      reason: 'invalid attributes of http_abort toxic "http_abort_downstream"',
      hint: hint('status 500'),
    });
    assert.throws(abortWith({ action: 'reset', body: 'oops' }), { hint: hint('body "oops"') });
    assert.throws(abortWith({ action: 'reset', headers: { 'retry-after': '1' } }), {
      hint: hint('headers {"retry-after":"1"}'),
    });
    assert.throws(abortWith({ action: 'reset', status: 502, body: 'x', headers: { a: 'b' } }), {
      hint: hint('status 502, body "x", headers {"a":"b"}'),
    });
    assert.doesNotThrow(abortWith({ action: 'reset' }));
    assert.doesNotThrow(abortWith({ action: 'reset', status: 503, body: '', headers: {} }));
    const respond = parseToxicCreate({ type: 'http_abort', attributes: { status: 500 } });
    assert.throws(() => parseToxicUpdate({ attributes: { action: 'reset' } }, respond), {
      hint: hint('status 500'),
    });
    const reset = parseToxicUpdate({ attributes: { action: 'reset', status: 503 } }, respond);
    assert.deepEqual(reset.attributes, { action: 'reset', status: 503, body: '', headers: {} });
    assert.throws(() => parseToxicUpdate({ attributes: { body: 'late' } }, reset), {
      hint: hint('body "late"'),
    });
  });
});

describe('toxic explanations: how many, which, in which direction', () => {
  const explain = (body: object) => explainToxic(parseToxicCreate(body));

  test('connections or requests, every or a percentage, matching and counted', () => {
    assert.equal(
      explain({ type: 'noop', toxicity: 0.5, stream: 'upstream' }),
      'noop_upstream: on 50% of connections, passes data through unchanged (upstream)',
    );
    assert.equal(
      explain({ type: 'noop', toxicity: 0, attributes: { match: { client: '127.0.0.2' }, every: 2 } }),
      'noop_downstream: on 0% of every 2nd matching connection (from 127.0.0.2), passes data through unchanged (downstream)',
    );
    assert.equal(
      explain({ type: 'noop', attributes: { match: { client: '127.0.0.2' } } }),
      'noop_downstream: on every matching connection (from 127.0.0.2), passes data through unchanged (downstream)',
    );
    assert.equal(
      explain({ type: 'http_abort', toxicity: 0.25, attributes: { after: 2 } }),
      'http_abort_downstream: on 25% of the requests after the first 2, answers 503 without contacting the upstream',
    );
    assert.equal(
      explain({
        type: 'http_abort',
        toxicity: 0.5,
        attributes: { status: 502, first: 10, match: { method: 'GET' } },
      }),
      'http_abort_downstream: on 50% of the first 10 matching requests (GET), answers 502 without contacting the upstream',
    );
    assert.equal(
      explain({ type: 'noop', toxicity: 0.5 }),
      'noop_downstream: on 50% of connections, passes data through unchanged (downstream)',
    );
    assert.equal(
      explain({ type: 'http_abort', toxicity: 1 }),
      'http_abort_downstream: on every request, answers 503 without contacting the upstream',
    );
  });
});

describe('toxic bodies of the wrong JSON type', () => {
  const refusal = (body: unknown) => {
    try {
      parseToxicCreate(body);
    } catch (error) {
      const { code, reason, hint } = error as FaultlineError;
      return { code, reason, hint };
    }
    return 'accepted';
  };

  test("Go's wording for the field's Go type, then what faultline accepts", () => {
    assert.deepEqual(refusal([]), {
      code: 'FAULTLINE_ERR_BAD_BODY',
      reason: 'bad request body: json: cannot unmarshal array into Go value of type toxics.ToxicWrapper',
      hint: 'toxic must be a JSON object, received []',
    });
    assert.deepEqual(refusal({ type: 'noop', name: 7 }), {
      code: 'FAULTLINE_ERR_INVALID_FIELD',
      reason:
        'bad request body: json: cannot unmarshal number into Go struct field ToxicWrapper.name of type string',
      hint: 'invalid name in toxic: name must be a string, received 7',
    });
    assert.deepEqual(refusal({ type: 'noop', stream: true }), {
      code: 'FAULTLINE_ERR_INVALID_FIELD',
      reason:
        'bad request body: json: cannot unmarshal bool into Go struct field ToxicWrapper.stream of type string',
      hint: 'invalid stream in toxic: stream must be "upstream" or "downstream", received true',
    });
    assert.deepEqual(refusal({ type: 'noop', toxicity: '0.5' }), {
      code: 'FAULTLINE_ERR_INVALID_FIELD',
      reason:
        'bad request body: json: cannot unmarshal string into Go struct field ToxicWrapper.toxicity of type float32',
      hint: 'invalid toxicity in toxic: toxicity must be a number, received "0.5"',
    });
    assert.deepEqual(refusal({ type: 'noop', attributes: [1] }), {
      code: 'FAULTLINE_ERR_INVALID_FIELD',
      reason:
        'bad request body: json: cannot unmarshal array into Go struct field ToxicWrapper.attributes of type toxics.NoopToxic',
      hint: 'invalid attributes in toxic: attributes must be a JSON object, received [1]',
    });
    assert.deepEqual(refusal({ type: 5 }), {
      code: 'FAULTLINE_ERR_INVALID_TOXIC_TYPE',
      reason: 'invalid toxic type',
      hint: 'received 5; accepted types: noop, latency, bandwidth, slow_close, timeout, reset_peer, slicer, limit_data, connect_delay, refuse, limit_time, corrupt, udp_latency, loss, duplicate, reorder, udp_bandwidth, http_abort, http_delay, http_modify, grpc_status',
    });
  });

  test('streams are listed upstream first, and only Toxiproxy-kind toxics act on connection bytes', () => {
    assert.deepEqual(streams, ['upstream', 'downstream']);
    assert.equal(isConnectionToxicSpec(parseToxicCreate({ type: 'latency' })), true);
    assert.equal(isConnectionToxicSpec(parseToxicCreate({ type: 'loss' })), true);
    assert.equal(isConnectionToxicSpec(parseToxicCreate({ type: 'http_delay' })), false);
    assert.deepEqual(targetingKeys, ['match', 'first', 'after', 'every']);
  });
});

describe('text, choice and json attributes: what a refusal names', () => {
  const refusal = (type: string, attributes: object) => {
    try {
      parseToxicCreate({ type, attributes });
    } catch (error) {
      const { code, reason, hint } = error as FaultlineError;
      return { code, reason, hint };
    }
    return 'accepted';
  };
  const invalid = (type: string, attribute: string, hint: string) => ({
    code: 'FAULTLINE_ERR_INVALID_ATTRIBUTE',
    reason: `invalid attribute ${attribute} of ${type} toxic "${type}_downstream"`,
    hint,
  });
  const invalidTogether = (type: string, hint: string) => ({
    code: 'FAULTLINE_ERR_INVALID_ATTRIBUTE',
    reason: `invalid attributes of ${type} toxic "${type}_downstream"`,
    hint,
  });

  test('a text attribute: a string up to its length, inclusive', () => {
    assert.equal(refusal('grpc_status', { message: 'm'.repeat(4096) }), 'accepted');
    assert.deepEqual(
      refusal('grpc_status', { message: 'm'.repeat(4097) }),
      invalid(
        'grpc_status',
        'message',
        `received "${'m'.repeat(76)}...; expected a string of at most 4096 characters (the grpc-message the client sees)`,
      ),
    );
    assert.deepEqual(
      refusal('http_abort', { body: 5 }),
      invalid(
        'http_abort',
        'body',
        'received 5; expected a string of at most 1048576 characters (the body of the answer)',
      ),
    );
  });

  test('a choice attribute: only one of its strings', () => {
    assert.deepEqual(
      refusal('http_abort', { action: 1 }),
      invalid(
        'http_abort',
        'action',
        'received 1; expected one of "respond", "reset" (respond with the status, or reset the connection (HTTP/1.1) or the stream (RST_STREAM on HTTP/2))',
      ),
    );
  });

  test('header maps: names are HTTP tokens, values strings (or null to remove, in http_modify only)', () => {
    const accepts = 'expected an object of header name → value, e.g. {"retry-after":"1"}';
    assert.deepEqual(
      refusal('http_abort', { headers: { 'bad name': 'x' } }),
      invalid(
        'http_abort',
        'headers',
        `received {"bad name":"x"}; ${accepts}: "bad name" is not a header name`,
      ),
    );
    assert.deepEqual(
      refusal('http_abort', { headers: { 'x-a': 'b\0' } }),
      invalid(
        'http_abort',
        'headers',
        `received {"x-a":"b\\u0000"}; ${accepts}: the value of "x-a" holds a line break or NUL, which no header may`,
      ),
    );
    assert.deepEqual(
      refusal('http_abort', { headers: { 'x-a': 'b\nc' } }),
      invalid(
        'http_abort',
        'headers',
        `received {"x-a":"b\\nc"}; ${accepts}: the value of "x-a" holds a line break or NUL, which no header may`,
      ),
    );
    assert.deepEqual(
      refusal('http_abort', { headers: { 'x-a': null } }),
      invalid(
        'http_abort',
        'headers',
        `received {"x-a":null}; ${accepts}: the value of "x-a" is null, not a string`,
      ),
    );
    assert.deepEqual(
      refusal('http_abort', { headers: ['x-a'] }),
      invalid('http_abort', 'headers', `received ["x-a"]; ${accepts}: it is not an object`),
    );
    assert.deepEqual(
      refusal('http_abort', { headers: 'x-a: 1' }),
      invalid('http_abort', 'headers', `received "x-a: 1"; ${accepts}: it is not an object`),
    );
    assert.deepEqual(
      refusal('http_abort', { headers: { 'x-a': Number.NaN } }),
      invalid('http_abort', 'headers', `received {"x-a":null}; ${accepts}: it is not a JSON value`),
    );
    assert.deepEqual(
      refusal('http_abort', { headers: { a: [{ b: Number.POSITIVE_INFINITY }] } }),
      invalid('http_abort', 'headers', `received {"a":[{"b":null}]}; ${accepts}: it is not a JSON value`),
    );
    assert.deepEqual(
      refusal('http_abort', { headers: { a: [{ b: () => 1 }] } }),
      invalid('http_abort', 'headers', `received {"a":[{}]}; ${accepts}: it is not a JSON value`),
    );
    assert.deepEqual(
      parseToxicCreate({ type: 'http_abort', attributes: { headers: { "!#$%&'*+.^_`|~09Az-": 'v' } } })
        .attributes.headers,
      {
        "!#$%&'*+.^_`|~09Az-": 'v',
      },
    );

    // One header named twice (in two letter cases) would keep one value in silence.
    assert.deepEqual(
      refusal('http_abort', { headers: { 'X-A': '1', 'x-a': '2' } }),
      invalid(
        'http_abort',
        'headers',
        `received {"X-A":"1","x-a":"2"}; ${accepts}: "X-A" and "x-a" name one header (names are one in any letter case): give it once`,
      ),
    );
    for (const side of ['request_headers', 'response_headers']) {
      assert.deepEqual(
        refusal('http_modify', { [side]: { 'X-Up': '1', 'x-up': null } }),
        invalid(
          'http_modify',
          side,
          `received {"X-Up":"1","x-up":null}; expected an object of header name → value, or null to remove the header: "X-Up" and "x-up" name one header (names are one in any letter case): give it once`,
        ),
      );
    }

    const modifyAccepts = 'expected an object of header name → value, or null to remove the header';
    const modify = parseToxicCreate({
      type: 'http_modify',
      attributes: { request_headers: { 'x-a': null, 'x-b': '1' }, response_headers: { 'x-c': null } },
    });
    assert.deepEqual(modify.attributes.request_headers, { 'x-a': null, 'x-b': '1' });
    assert.deepEqual(modify.attributes.response_headers, { 'x-c': null });
    assert.deepEqual(
      refusal('http_modify', { response_headers: { 'x-a': 1 } }),
      invalid(
        'http_modify',
        'response_headers',
        `received {"x-a":1}; ${modifyAccepts}: the value of "x-a" is 1, not a string or null`,
      ),
    );
    assert.deepEqual(
      refusal('http_modify', { request_headers: { 'x-a': true } }),
      invalid(
        'http_modify',
        'request_headers',
        `received {"x-a":true}; ${modifyAccepts}: the value of "x-a" is true, not a string or null`,
      ),
    );
  });

  test("http_modify's body and json_patch: each checked, and not both", () => {
    assert.deepEqual(
      refusal('http_modify', { body: 5 }),
      invalid(
        'http_modify',
        'body',
        'received 5; expected a string, or null to keep the body: it is neither a string nor null',
      ),
    );
    assert.deepEqual(
      refusal('http_modify', { json_patch: [1] }),
      invalid(
        'http_modify',
        'json_patch',
        'received [1]; expected a JSON merge patch object (RFC 7396), or null: it is not an object',
      ),
    );
    assert.deepEqual(
      refusal('http_modify', { json_patch: 'a' }),
      invalid(
        'http_modify',
        'json_patch',
        'received "a"; expected a JSON merge patch object (RFC 7396), or null: it is not an object',
      ),
    );
    assert.deepEqual(
      parseToxicCreate({ type: 'http_modify', attributes: { json_patch: { a: null } } }).attributes
        .json_patch,
      {
        a: null,
      },
    );
    assert.equal(parseToxicCreate({ type: 'http_modify', attributes: { body: '' } }).attributes.body, '');
    assert.deepEqual(
      refusal('http_modify', { body: 'x', json_patch: { a: 1 } }),
      invalidTogether(
        'http_modify',
        'give body or json_patch, not both: a replaced body has nothing to patch',
      ),
    );
    assert.deepEqual(
      refusal('http_modify', { response_headers: { 'X-Keep': '1', 'content-length': '5' } }),
      invalidTogether(
        'http_modify',
        'content-length frames the body, so the proxy sets it from the body it sends; to change the body use body or json_patch',
      ),
    );
    // A gRPC status is a number: a client reads "abc" as no status at all.
    for (const value of ['abc', '14 ', '-1', '1.5', '', '4294967296']) {
      assert.deepEqual(
        refusal('http_modify', { response_headers: { 'Grpc-Status': value } }),
        invalidTogether(
          'http_modify',
          `Grpc-Status is a gRPC status code, a whole number such as 14 (UNAVAILABLE), received ${JSON.stringify(value)}; null removes it`,
        ),
      );
    }
    for (const code of ['14', '4294967295'])
      assert.deepEqual(
        parseToxicCreate({ type: 'http_modify', attributes: { response_headers: { 'grpc-status': code } } })
          .attributes.response_headers,
        { 'grpc-status': code },
        'up to 2^32 - 1, as Envoy takes',
      );
    assert.deepEqual(
      refusal('http_modify', { response_headers: { Expect: '100-continue' } }),
      invalidTogether(
        'http_modify',
        'Expect describes one connection, not the message, so the proxy sets it itself; accepted: any other header',
      ),
    );
    assert.deepEqual(
      refusal('http_modify', { status: 100 }),
      invalidTogether(
        'http_modify',
        'status must be 0 (keep) or from 200 to 599 (1xx answers are interim, never final), received 100',
      ),
    );
    assert.equal(parseToxicCreate({ type: 'http_modify', attributes: { status: 0 } }).attributes.status, 0);
  });

  test("loss: one of netem's three models at a time, each chosen by its first attribute", () => {
    const oneModel =
      '. Use one model: probability/correlation, p13/p31/p32/p23/p14 or to_bad/to_good/bad_loss/good_loss';
    assert.deepEqual(
      refusal('loss', { to_bad: 3, to_good: 4, probability: 1 }),
      invalidTogether(
        'loss',
        `probability does not belong to the Gilbert-Elliott model that to_bad chooses; received probability 1${oneModel}`,
      ),
    );
    assert.deepEqual(
      refusal('loss', { to_bad: 3, correlation: 2, p23: 5 }),
      invalidTogether(
        'loss',
        `correlation, p23 do not belong to the Gilbert-Elliott model that to_bad chooses; received correlation 2, p23 5${oneModel}`,
      ),
    );
    assert.deepEqual(
      refusal('loss', { p13: 3, to_bad: 2, bad_loss: 7, probability: 9 }),
      invalidTogether(
        'loss',
        `probability, to_bad, bad_loss do not belong to the 4-state model that p13 chooses; received probability 9, to_bad 2, bad_loss 7${oneModel}`,
      ),
    );
    assert.deepEqual(
      refusal('loss', { p31: 3, good_loss: 1 }),
      invalidTogether(
        'loss',
        `p31, good_loss set without p13 (4-state model) or to_bad (Gilbert-Elliott), which choose their model; received p31 3, good_loss 1${oneModel}`,
      ),
    );
    assert.deepEqual(
      refusal('loss', { p14: 1 }),
      invalidTogether(
        'loss',
        `p14 set without p13 (4-state model) or to_bad (Gilbert-Elliott), which choose their model; received p14 1${oneModel}`,
      ),
    );
    assert.deepEqual(
      refusal('loss', { p13: 600_000, p14: 400_001 }),
      invalidTogether(
        'loss',
        'p13 + p14 is the chance of leaving state 1 and cannot pass 1000000; received p13 600000 and p14 400001',
      ),
    );
    assert.deepEqual(
      refusal('loss', { p13: 1, p31: 500_000, p32: 500_001 }),
      invalidTogether(
        'loss',
        'p31 + p32 is the chance of leaving state 3 and cannot pass 1000000; received p31 500000 and p32 500001',
      ),
    );
    assert.equal(refusal('loss', { p13: 600_000, p14: 400_000 }), 'accepted');
    assert.equal(refusal('loss', { p13: 1, p31: 500_000, p32: 500_000, p23: 0, p14: 1 }), 'accepted');
    assert.equal(refusal('loss', { to_bad: 1, to_good: 0, bad_loss: 0, good_loss: 1 }), 'accepted');
    assert.equal(refusal('loss', { to_bad: 1, p23: 1_000_000, bad_loss: 1_000_000 }), 'accepted');
    assert.equal(refusal('loss', { probability: 1, correlation: 1 }), 'accepted');
  });

  test('a chance written as tc writes it ("25%") or as a fraction (0.25) is refused with its value in ppm', () => {
    const hintFor = (value: unknown) => {
      const refused = refusal('loss', { probability: value });
      assert.notEqual(refused, 'accepted', `${String(value)} is refused`);
      return (refused as { hint: string }).hint.replace(/^.*\(100000 = 10%\)\)/, '');
    };
    assert.equal(hintFor('25%'), '; 25% is 250000 ppm');
    assert.equal(hintFor(' 100 % '), '; 100% is 1000000 ppm');
    assert.equal(hintFor('0.5%'), '; 0.5% is 5000 ppm');
    assert.equal(hintFor('12.34567%'), '; 12.34567% is 123457 ppm');
    assert.equal(hintFor(0.25), '; as a fraction, 0.25 is 250000 ppm');
    for (const nothing of ['0%', '100.1%', 'x25%', '25%x', '25', '%', '-5%', ['25%'], 1.5, -0.25, true])
      assert.equal(hintFor(nothing), '', `nothing to suggest for ${JSON.stringify(nothing)}`);
    const latency = refusal('udp_latency', { latency: 0.5 }) as { hint: string };
    assert.doesNotMatch(latency.hint, /fraction/, 'only parts per million get a suggestion');
  });

  test('a correlation without the chance it correlates is refused: nothing would be picked, so it would do nothing', () => {
    const without = (chance: string, effect: string) =>
      `correlation needs ${chance} above 0: ${effect}; received correlation 1 and ${chance} 0. Set ${chance}, or send correlation 0`;
    assert.deepEqual(
      refusal('loss', { correlation: 1 }),
      invalidTogether('loss', without('probability', 'it makes drops come in bursts')),
    );
    assert.deepEqual(
      refusal('duplicate', { correlation: 1 }),
      invalidTogether('duplicate', without('probability', 'it makes duplicates come in runs')),
    );
    assert.deepEqual(
      refusal('reorder', { correlation: 1, latency: 5 }),
      invalidTogether('reorder', without('probability', 'it makes the datagrams sent at once come in runs')),
    );
    assert.deepEqual(
      refusal('udp_latency', { correlation: 1, latency: 5 }),
      invalidTogether(
        'udp_latency',
        without('jitter', "it ties each datagram's jitter to the previous one's"),
      ),
    );
    assert.equal(refusal('loss', { probability: 1, correlation: 1 }), 'accepted');
    assert.equal(refusal('duplicate', { probability: 1, correlation: 1 }), 'accepted');
    assert.equal(refusal('duplicate', { probability: 1 }), 'accepted');
    assert.equal(refusal('duplicate', {}), 'accepted');
    assert.equal(refusal('reorder', { probability: 1, correlation: 1, latency: 5 }), 'accepted');
    assert.equal(refusal('udp_latency', { jitter: 1, correlation: 1 }), 'accepted');
    assert.equal(refusal('udp_latency', { latency: 5 }), 'accepted');
    assert.equal(refusal('loss', {}), 'accepted');
  });

  test('reorder needs latency, and gap needs a probability, as netem', () => {
    assert.deepEqual(
      refusal('reorder', { probability: 1 }),
      invalidTogether(
        'reorder',
        'reordering needs latency above 0: chosen datagrams overtake the ones waiting latency ms (netem: "reordering not possible without specifying some delay"); received probability 1 and latency 0',
      ),
    );
    assert.deepEqual(
      refusal('reorder', { gap: 2, latency: 5 }),
      invalidTogether(
        'reorder',
        'gap needs a probability above 0: it counts datagrams between reorderings; received gap 2 and probability 0',
      ),
    );
    assert.equal(refusal('reorder', { probability: 1, latency: 1, gap: 2 }), 'accepted');
    assert.equal(refusal('reorder', { latency: 1 }), 'accepted');
    assert.equal(refusal('reorder', { gap: 1 }), 'accepted');
  });

  test('a distribution shapes jitter, so it needs jitter; cell_overhead needs cell_size', () => {
    assert.deepEqual(
      refusal('udp_latency', { latency: 10, distribution: 'normal' }),
      invalidTogether(
        'udp_latency',
        'distribution normal shapes the jitter, so it needs jitter above 0 (netem: "distribution specified but no latency and jitter values"); received jitter 0',
      ),
    );
    assert.equal(
      refusal('udp_latency', { latency: 10, jitter: 1, distribution: 'paretonormal' }),
      'accepted',
    );
    assert.equal(refusal('udp_latency', { latency: 10, distribution: 'uniform' }), 'accepted');
    assert.deepEqual(
      refusal('udp_bandwidth', { cell_overhead: 5 }),
      invalidTogether(
        'udp_bandwidth',
        'cell_overhead needs cell_size above 0: it is added to each cell; received cell_overhead 5 and cell_size 0',
      ),
    );
    assert.equal(refusal('udp_bandwidth', { cell_overhead: -5, cell_size: 48 }), 'accepted');
    assert.equal(refusal('udp_bandwidth', { packet_overhead: -65_535 }), 'accepted');
  });

  test('slicer: size_variation must stay below average_size', () => {
    assert.equal(refusal('slicer', { average_size: 10, size_variation: 9 }), 'accepted');
    assert.deepEqual(
      refusal('slicer', { average_size: 10, size_variation: 10 }),
      invalidTogether(
        'slicer',
        'size_variation must be smaller than average_size, received size_variation 10 and average_size 10',
      ),
    );
  });

  test('an attribute that says kind "integer" is checked as one that leaves kind out', () => {
    const explicit = {
      kind: 'integer',
      name: 'n',
      unit: 'ms',
      default: 0,
      min: 1,
      max: 3,
      description: 'a test attribute',
    } as const;
    assert.equal(isIntegerSpec(explicit), true);
    assert.equal(
      isIntegerSpec({ kind: 'text', name: 't', default: '', maxLength: 1, description: 'd' }),
      false,
    );
    assert.equal(attributeProblem(explicit, 3), undefined);
    assert.equal(
      attributeProblem(explicit, 4),
      'received 4; expected a whole number of ms from 1 to 3 (a test attribute)',
    );
  });

  test('a header map that is null is not an object (parsing drops null attributes before this check)', () => {
    assert.equal(stringMapProblem(null), 'it is not an object');
    assert.equal(stringMapProblem({ 'x-a': null }, true), undefined);
  });

  test('booleans are JSON: a json attribute given one gets its own check, not "not a JSON value"', () => {
    assert.deepEqual(
      refusal('http_modify', { body: true }),
      invalid(
        'http_modify',
        'body',
        'received true; expected a string, or null to keep the body: it is neither a string nor null',
      ),
    );
  });

  test('a text attribute is a string, not a short list; a header value is a string, not a list that holds a line break', () => {
    assert.deepEqual(
      refusal('http_abort', { body: ['x'] }),
      invalid(
        'http_abort',
        'body',
        'received ["x"]; expected a string of at most 1048576 characters (the body of the answer)',
      ),
    );
    assert.deepEqual(
      refusal('http_abort', { headers: { 'x-a': ['a\nb'] } }),
      invalid(
        'http_abort',
        'headers',
        'received {"x-a":["a\\nb"]}; expected an object of header name → value, e.g. {"retry-after":"1"}: the value of "x-a" is ["a\\nb"], not a string',
      ),
    );
  });

  test('a toxic type is a string naming a toxic, not something that prints as one', () => {
    assert.equal(isToxicType('latency'), true);
    assert.equal(isToxicType(['latency']), false);
    assert.equal(isToxicType('toString'), false);
    assert.deepEqual(refusal('latency', {}), 'accepted');
  });
});

describe('a toxic that closes its stream lets the toxics after it drain first, as Toxiproxy does', () => {
  interface Seen {
    log: string[];
    discarded: number[];
    closed: string[];
  }
  function chain(first: object, second: object) {
    const clock = new FakeClock();
    const seen: Seen = { log: [], discarded: [], closed: [] };
    const sink: Receiver = {
      accept: (chunk) => seen.log.push(`${chunk.data.toString()}@${clock.now()}`),
      end: () => seen.log.push(`end@${clock.now()}`),
      finish: () => seen.log.push(`finish@${clock.now()}`),
      reset: () => seen.log.push(`reset@${clock.now()}`),
    };
    const host = {
      clock,
      discard: (bytes: number) => seen.discarded.push(bytes),
      closeLink: (mode: string) => seen.closed.push(mode),
      acted: () => undefined,
      ready: () => undefined,
    };
    const tail = new Stage(parseToxicCreate(second), sink, scripted([0]), host);
    const head = new Stage(parseToxicCreate(first), tail, scripted([0]), host);
    return { clock, seen, head, tail };
  }

  test('limit_data before a latency: the cut bytes arrive delayed, then the close; later bytes are thrown away', async () => {
    const { clock, seen, head } = chain(
      { type: 'limit_data', attributes: { bytes: 4 } },
      { type: 'latency', attributes: { latency: 100 } },
    );
    send(head, clock, 'abcdef');
    send(head, clock, 'gh');
    head.end();
    await clock.advance(99);
    assert.deepEqual(seen.log, []);
    await clock.advance(1);
    assert.deepEqual(seen, { log: ['abcd@100', 'finish@100'], discarded: [2, 2], closed: [] });
  });

  test('a close that reaches a toxic which already closed its stream passes nothing more', async () => {
    const { clock, seen, head } = chain({ type: 'noop' }, { type: 'limit_data', attributes: { bytes: 2 } });
    send(head, clock, 'abcd');
    await clock.advance(0);
    head.finish();
    await clock.advance(0);
    assert.deepEqual(seen.log, ['ab@0', 'finish@0']);
  });

  test('a timeout that fires passes the close through slow_close, which holds it for its delay', async () => {
    const { clock, seen, head } = chain(
      { type: 'timeout', attributes: { timeout: 10 } },
      { type: 'slow_close', attributes: { delay: 30 } },
    );
    await clock.advance(39);
    assert.deepEqual(seen.log, []);
    await clock.advance(1);
    assert.deepEqual(seen.log, ['finish@40']);
    head.end();
    await clock.advance(100);
    assert.deepEqual(seen.log, ['finish@40'], 'the EOF after the close passes nothing more');
  });

  test('a reset passes behind the held bytes, through a latency, then slow_close holds it', async () => {
    const { clock, seen, head } = chain(
      { type: 'latency', attributes: { latency: 100 } },
      { type: 'slow_close', attributes: { delay: 30 } },
    );
    send(head, clock, 'reply');
    head.reset();
    await clock.advance(129);
    assert.deepEqual(seen.log, ['reply@100']);
    await clock.advance(1);
    assert.deepEqual(seen.log, ['reply@100', 'reset@130']);
  });

  test('a reset after an end that already passed follows it at once; after a close, nothing', async () => {
    const ended = chain({ type: 'noop' }, { type: 'latency', attributes: { latency: 50 } });
    ended.head.end();
    await ended.clock.advance(0);
    ended.head.reset();
    assert.deepEqual(ended.seen.log, ['end@0', 'reset@0']);
    const closed = chain({ type: 'limit_data', attributes: { bytes: 0 } }, { type: 'noop' });
    send(closed.head, closed.clock, 'x');
    await closed.clock.advance(0);
    closed.head.reset();
    assert.deepEqual(closed.seen.log, ['finish@0']);
  });

  test('a close after an end that already passed follows it at once, so the link closes', async () => {
    const { clock, seen, head } = chain({ type: 'noop' }, { type: 'latency', attributes: { latency: 50 } });
    head.end();
    await clock.advance(0);
    head.finish();
    assert.deepEqual(seen.log, ['end@0', 'finish@0']);
  });

  test('a timeout closed by EOF passes one close, even when its timer fires later', async () => {
    const { clock, seen, head } = chain({ type: 'timeout', attributes: { timeout: 10 } }, { type: 'noop' });
    head.end();
    await clock.advance(10);
    assert.deepEqual(seen.log, ['finish@0']);
  });

  test('a close that reaches a stage waits behind its queued chunks; an EOF after it does not turn it into a half-close', async () => {
    const { clock, seen, tail } = chain({ type: 'noop' }, { type: 'latency', attributes: { latency: 50 } });
    send(tail, clock, 'x');
    tail.finish();
    tail.end();
    await clock.advance(50);
    assert.deepEqual(seen.log, ['x@50', 'finish@50']);
  });

  test('a stage removed while a close waits in it hands on the close, not an EOF', async () => {
    const { clock, seen, tail } = chain({ type: 'noop' }, { type: 'latency', attributes: { latency: 50 } });
    send(tail, clock, 'x');
    send(tail, clock, 'y');
    tail.finish();
    await clock.advance(1);
    await tail.interrupt();
    const handed: string[] = [];
    tail.flushInto({
      accept: (chunk) => handed.push(chunk.data.toString()),
      end: () => handed.push('end'),
      finish: () => handed.push('finish'),
      reset: () => undefined,
    });
    assert.deepEqual([seen.log, handed], [['x@1'], ['y', 'finish']]);
  });

  test('a limit_data that closed its stream throws away what it still queues when it is removed', async () => {
    const { clock, seen, head } = chain({ type: 'limit_data', attributes: { bytes: 1 } }, { type: 'noop' });
    send(head, clock, 'ab');
    await clock.advance(0);
    await head.interrupt();
    send(head, clock, 'cd');
    const handed: string[] = [];
    head.end();
    head.flushInto({
      accept: (chunk) => handed.push(chunk.data.toString()),
      end: () => handed.push('end'),
      finish: () => handed.push('finish'),
      reset: () => undefined,
    });
    assert.deepEqual([seen.log, handed, seen.discarded], [['a@0', 'finish@0'], [], [1, 2]]);
  });

  test('a close at toxicity 0 passes through the inactive toxic like data does', async () => {
    const clock = new FakeClock();
    const log: string[] = [];
    const stage = new Stage(
      parseToxicCreate({ type: 'slow_close', toxicity: 0, attributes: { delay: 100 } }),
      {
        accept: (chunk) => log.push(chunk.data.toString()),
        end: () => log.push('end'),
        finish: () => log.push(`finish@${clock.now()}`),
        reset: () => undefined,
      },
      scripted([0.5]),
      {
        clock,
        discard: () => undefined,
        closeLink: () => undefined,
        acted: () => undefined,
        ready: () => undefined,
      },
    );
    send(stage, clock, 'z');
    stage.finish();
    await clock.advance(0);
    assert.deepEqual(log, ['z', 'finish@0']);
  });

  test('reset_peer after a closed stream still resets: the close is an input to it, as EOF is', async () => {
    const { clock, seen, head } = chain(
      { type: 'limit_data', attributes: { bytes: 0 } },
      { type: 'reset_peer', attributes: { timeout: 20 } },
    );
    send(head, clock, 'q');
    await clock.advance(20);
    // The close that follows the reset finds the connection already gone (Link.close runs once).
    assert.deepEqual(seen, { log: ['finish@20'], discarded: [1], closed: ['reset'] });
  });
});
