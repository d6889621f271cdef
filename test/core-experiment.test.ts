import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { silentLog } from '../src/experiment/console.js';
import { type LedgerEntry, noLedger } from '../src/experiment/ledger.js';
import { describeEntry, undo, undoEntries } from '../src/experiment/rollback.js';
import { type RunOptions, startExperiment } from '../src/experiment/run.js';
import { withinTolerance } from '../src/experiment/tolerance.js';
import { validateExperiment } from '../src/experiment/validate.js';
import type { Json } from '../src/model/experiment.js';
import { experiment, fixtures, js, names, run } from './experiment-helpers.js';
import { startEchoServer, startHarness } from './helpers.js';

const check = (tolerance: unknown, value: unknown) =>
  withinTolerance(tolerance as Json, value, {}, async () => {
    throw new Error('no probe tolerance in these tests');
  });

describe('tolerance bounds are inclusive at both ends', () => {
  test('range: low and high match, just outside does not', async () => {
    const range = { type: 'range', range: [200, 299] };
    const cases: Array<[unknown, boolean]> = [
      [199, false],
      [199.5, false],
      [200, true],
      [250, true],
      [299, true],
      [299.5, false],
      [300, false],
      ['299', true],
      ['300', false],
      ['  ', false],
    ];
    for (const [value, expected] of cases) {
      assert.equal(await check(range, value), expected, `range [200, 299] with ${JSON.stringify(value)}`);
    }
  });

  test('range with a target reads the named field', async () => {
    const range = { type: 'range', range: [200, 299], target: 'status' };
    assert.equal(await check(range, { status: 299 }), true);
    assert.equal(await check(range, { status: 300 }), false);
    await assert.rejects(check({ type: 'range', range: [0, 1] }, { status: 0 }), {
      name: 'TypeError',
      message: /^range tolerance needs a number, got dict; set "target"/,
    });
  });

  test('a two-element list is an inclusive range for a plain value', async () => {
    const cases: Array<[unknown, boolean]> = [
      [0.99, false],
      [1, true],
      [5, true],
      [5.01, false],
    ];
    for (const [value, expected] of cases) {
      assert.equal(await check([1, 5], value), expected, `[1, 5] with ${value}`);
    }
  });

  test('a list against a status is membership, so the ends match and the middle does not', async () => {
    assert.equal(await check([200, 204], { status: 200 }), true);
    assert.equal(await check([200, 204], { status: 204 }), true);
    assert.equal(await check([200, 204], { status: 202 }), false);
  });

  test('a list of three or more is membership', async () => {
    assert.equal(await check([1, 3, 5], 5), true);
    assert.equal(await check([1, 3, 5], 4), false);
  });

  test('regex: Python named groups and back-references; a missing pattern matches anything', async () => {
    assert.equal(await check({ type: 'regex', pattern: '(?P<d>\\d)-(?P=d)' }, '4-4'), true);
    assert.equal(await check({ type: 'regex', pattern: '(?P<d>\\d)-(?P=d)' }, '4-5'), false);
    assert.equal(await check({ type: 'regex', pattern: '(?P<word>ab)(?P=word)' }, 'abab'), true);
    assert.equal(await check({ type: 'regex' }, 'anything'), true);
    await assert.rejects(check({ type: 'regex', pattern: 'x', target: 'stdout' }, 'plain'), {
      name: 'TypeError',
      message: '"target": "stdout" needs an object output, got str',
    });
  });

  test('jsonpath: count is compared as Python compares it, whatever its type', async () => {
    assert.equal(await check({ type: 'jsonpath', path: '$.a', count: '1' }, { a: 1 }), false);
    assert.equal(await check({ type: 'jsonpath', path: '$.a', count: true }, { a: 1 }), true);
    assert.equal(await check({ type: 'jsonpath', path: '$.a', count: null }, { a: 1 }), true);
    assert.equal(await check({ type: 'jsonpath', path: '$.b', count: null }, { a: 1 }), false);
  });

  test('jsonpath: no match fails, count 0 passes only without matches, JSON text is parsed', async () => {
    assert.equal(await check({ type: 'jsonpath', path: '$.nope' }, { a: 1 }), false);
    assert.equal(await check({ type: 'jsonpath', path: '$.nope', count: 0 }, { a: 1 }), true);
    assert.equal(await check({ type: 'jsonpath', path: '$.a', count: 0 }, { a: 1 }), false);
    assert.equal(await check({ type: 'jsonpath', path: '$.a', expect: 1 }, '{"a": 1}'), true);
    assert.equal(await check({ type: 'jsonpath', path: '$.a', expect: 1 }, 'not json'), false);
  });

  test('range: null and objects are refused, an empty string and NaN text are out of range', async () => {
    await assert.rejects(check({ type: 'range', range: [0, 1] }, null), {
      name: 'TypeError',
      message: /^range tolerance needs a number, got NoneType/,
    });
    assert.equal(await check({ type: 'range', range: [0, 1] }, ''), false);
    assert.equal(await check({ type: 'range', range: [-1, 1] }, ' 0 '), true);
    for (const nan of ['NaN', 'nan', '-nan', 'sNaN', 'nan12']) {
      await assert.rejects(check({ type: 'range', range: [0, 1] }, nan), {
        name: 'TypeError',
        message: `range tolerance cannot order NaN (${JSON.stringify(nan)})`,
      });
    }
  });

  test('range: a NaN value or bound (YAML .nan, a probe returning float("nan")) is refused, as Decimal refuses to order it', async () => {
    const cases: Array<[unknown[], unknown, string]> = [
      [[0, 1], Number.NaN, 'NaN'],
      [[Number.NaN, 1], 0.5, 'its lower bound'],
      [[0, Number.NaN], 0.5, 'its upper bound'],
      [[Number.NaN, Number.NaN], 'abc', 'its lower bound'],
    ];
    for (const [range, value, what] of cases) {
      await assert.rejects(check({ type: 'range', range }, value), {
        name: 'TypeError',
        message: `range tolerance cannot order NaN (${what})`,
      });
    }
  });

  test('an object tolerance of unknown type never passes, nor does a non-object', async () => {
    assert.equal(await check({ type: 'sometimes' }, 1), false);
    assert.equal(await check(null, null), false);
  });
});

describe('tolerance details', () => {
  const scoped = (tolerance: unknown, value: unknown, scope: Record<string, unknown>) =>
    withinTolerance(tolerance as Json, value, scope, async () => {
      throw new Error('no probe tolerance in these tests');
    });

  test('only a string tolerance is substituted: list items are compared as written', async () => {
    assert.equal(await scoped(['${x}', 'a', 'b'], '${x}', { x: 'y' }), true);
    assert.equal(await scoped(['${x}', 'a', 'b'], 'y', { x: 'y' }), false);
    assert.equal(await scoped('${x}', 'y', { x: 'y' }), true);
  });

  test('range: a blank string is not 0', async () => {
    assert.equal(await check({ type: 'range', range: [-1, 1] }, '  '), false);
    assert.equal(await check({ type: 'range', range: [-1, 1] }, '0'), true);
  });

  test('jsonpath: only a string is parsed as JSON; a list is searched as it is', async () => {
    assert.equal(await check({ type: 'jsonpath', path: '$[0]', expect: 3 }, [3]), true);
    assert.equal(await check({ type: 'jsonpath', path: '$[0]', expect: 3 }, '[3]'), true);
  });

  test('jsonpath without a path: the path parser says what it expected', async () => {
    await assert.rejects(check({ type: 'jsonpath' }, { a: 1 }), {
      message: 'expected "$" at position 0 of ""',
    });
  });
});

describe('list tolerances compare values as Python does (value in tolerance, low <= value <= high)', () => {
  test('membership is by value: lists and dicts inside the tolerance match equal outputs', async () => {
    assert.equal(await check([[1, 2]], [1, 2]), true);
    assert.equal(await check([[1, 2]], [2, 1]), false);
    assert.equal(await check([[1, 2]], [1, 2, 3]), false);
    assert.equal(await check([{ a: 1 }, { b: 2 }, { c: [3] }], { c: [3] }), true);
    assert.equal(await check([{ a: 1 }, { b: 2 }, { c: [3] }], { c: [4] }), false);
    assert.equal(await check([{ a: 1 }, { b: 2 }, { c: 3 }], { a: 1, b: 2 }), false);
  });

  test('1 == 1.0 == True inside lists and dicts, but None is not 0 and a dict key must be its own', async () => {
    assert.equal(await check([{ ok: 1 }], { ok: true }), true);
    assert.equal(await check([[1.0, false]], [1, 0]), true);
    assert.equal(await check([{ ok: null }], { ok: 0 }), false);
    assert.equal(await check([{ ok: null }], { ok: undefined }), true);
    assert.equal(await check([{ toString: 1 }], { valueOf: 1 }), false);
  });

  test('a pair of lists is a range in Python list order: the first unequal item decides, then length', async () => {
    const cases: Array<[unknown, boolean]> = [
      [[1, 2], true],
      [[2, 0], true],
      [[3, 4], true],
      [[3, 4, 0], false],
      [[1, 1, 9], false],
      [[1, 2, 0], true],
      [[1], false],
      [[5], false],
    ];
    for (const [value, expected] of cases) {
      assert.equal(
        await check(
          [
            [1, 2],
            [3, 4],
          ],
          value,
        ),
        expected,
        `[[1, 2], [3, 4]] with ${JSON.stringify(value)}`,
      );
    }
  });

  test('a pair that Python cannot order fails with the reason and how to test "one of two"', async () => {
    await assert.rejects(check([{ a: 1 }, { b: 2 }], { b: 2 }), {
      name: 'TypeError',
      message:
        "'<=' not supported between instances of 'dict' and 'dict': a list of two items is the range [low, high] in Chaos Toolkit, " +
        'so both bounds and the value must be numbers, strings or lists; ' +
        'to accept either of two values, repeat one of them (three or more items mean "one of")',
    });
    await assert.rejects(check([[1], ['a']], [1]), {
      name: 'TypeError',
      message: /^'<=' not supported between instances of 'int' and 'str': a list of two items/,
    });
    await assert.rejects(check([[1], [2]], 1), {
      message: /^'<=' not supported between instances of 'list' and 'int': /,
    });
  });
});

describe('rollback strategies against run statuses (Chaos Toolkit semantics)', () => {
  const rollingBack = () =>
    experiment({
      method: [js('action', 'long', 'wait', { ms: 30_000 })],
      rollbacks: [js('action', 'undo', 'value')],
    });

  async function interrupted(options: Partial<RunOptions>) {
    const valid = await validateExperiment(rollingBack(), fixtures);
    const running = startExperiment(valid, {
      log: silentLog,
      ledger: noLedger,
      baseDirectory: fixtures,
      ...options,
    });
    setImmediate(() => running.interrupt('SIGINT signal received'));
    return running.journal;
  }

  test('default plays no rollbacks when the run was interrupted', async () => {
    const journal = await interrupted({ rollbackStrategy: 'default' });
    assert.equal(journal.status, 'interrupted');
    assert.deepEqual(journal.rollbacks, []);
  });

  test('deviated plays no rollbacks on an interruption without a deviation', async () => {
    const journal = await interrupted({ rollbackStrategy: 'deviated' });
    assert.equal(journal.status, 'interrupted');
    assert.deepEqual(journal.rollbacks, []);
  });

  test('default plays the rollbacks of a completed run', async () => {
    const journal = await run(
      experiment({ method: [js('action', 'a', 'value')], rollbacks: [js('action', 'undo', 'value')] }),
      { rollbackStrategy: 'default' },
    );
    assert.equal(journal.status, 'completed');
    assert.deepEqual(names(journal.rollbacks), ['undo']);
  });

  test('always plays the rollbacks of a failed run; default and deviated do not, nor deviated without a deviation', async () => {
    const failing = () =>
      experiment({
        'steady-state-hypothesis': {
          title: 'h',
          probes: [js('probe', 'broken', 'fail', {}, { tolerance: true })],
        },
        rollbacks: [js('action', 'undo', 'value')],
      });
    const always = await run(failing(), { rollbackStrategy: 'always' });
    assert.deepEqual([always.status, names(always.rollbacks)], ['failed', ['undo']]);
    for (const rollbackStrategy of ['default', 'deviated'] as const) {
      const journal = await run(failing(), { rollbackStrategy });
      assert.deepEqual([journal.status, journal.rollbacks], ['failed', []], rollbackStrategy);
    }
    const calm = await run(
      experiment({ method: [js('action', 'a', 'value')], rollbacks: [js('action', 'undo', 'value')] }),
      {
        rollbackStrategy: 'deviated',
      },
    );
    assert.deepEqual([calm.status, calm.deviated, calm.rollbacks], ['completed', false, []]);
    const none = await run(experiment({ method: [js('action', 'a', 'value')] }), {
      rollbackStrategy: 'always',
    });
    assert.deepEqual([none.status, none.rollbacks], ['completed', []]);
  });

  test('--max-duration does not override --rollback-strategy never', async () => {
    const started = performance.now();
    const journal = await run(rollingBack(), { maxDuration: 0.1, rollbackStrategy: 'never' });
    assert.equal(journal.status, 'interrupted');
    assert.deepEqual(journal.rollbacks, []);
    assert.ok(performance.now() - started < 10_000, 'the 30 s action was cut short');
  });

  test('--max-duration forces the rollbacks under deviated, as under default', async () => {
    const journal = await run(rollingBack(), { maxDuration: 0.1, rollbackStrategy: 'deviated' });
    assert.equal(journal.status, 'interrupted');
    assert.deepEqual(names(journal.rollbacks), ['undo']);
  });
});

describe('configuration values that are probes', () => {
  test('run at start, in order; their output is the value; a failing one drops the key', async () => {
    const journal = await run(
      experiment({
        configuration: {
          plain: 'as written',
          answer: {
            type: 'probe',
            name: 'ask',
            provider: js('probe', 'ask', 'value', { value: 42 }).provider,
          },
          broken: { type: 'probe', name: 'break', provider: js('probe', 'break', 'fail').provider },
        },
        method: [js('action', 'show', 'context')],
      }),
    );
    assert.equal(journal.status, 'completed');
    const output = journal.run[0]!.output as { configuration: Record<string, unknown> };
    assert.equal(output.configuration.plain, 'as written');
    assert.equal(output.configuration.answer, 42);
    assert.equal(Object.hasOwn(output.configuration, 'broken'), false);
  });
});

describe('undoing recorded proxy faults (rollback.ts)', () => {
  test('each undo kind acts on the server it names; what is already gone counts as undone', async () => {
    const harness = await startHarness();
    const echo = await startEchoServer();
    await harness.api('POST', '/proxies', { name: 'undone', listen: '127.0.0.1:0', upstream: echo.address });
    await harness.api('POST', '/proxies/undone/toxics', {
      name: 'lag',
      type: 'latency',
      attributes: { latency: 5 },
    });
    let seq = 0;
    const entry = (undoStep: LedgerEntry['undo']): LedgerEntry => ({
      seq: (seq += 1),
      time: '2026-01-01T00:00:00.000Z',
      server: harness.url,
      description: `undo ${undoStep.kind}`,
      undo: undoStep,
    });
    const updateToxic = entry({
      kind: 'update-toxic',
      proxy: 'undone',
      toxic: 'lag',
      body: { attributes: { latency: 1 } },
    });
    assert.equal((await undo(updateToxic)).result, 'undone');
    assert.equal((await harness.api('GET', '/proxies/undone/toxics/lag')).json.attributes.latency, 1);
    assert.equal(
      (await undo(entry({ kind: 'update-proxy', proxy: 'undone', body: { enabled: false } }))).result,
      'undone',
    );
    assert.equal((await harness.api('GET', '/proxies/undone')).json.enabled, false);
    const removeToxic = entry({ kind: 'remove-toxic', proxy: 'undone', toxic: 'lag' });
    assert.equal((await undo(removeToxic)).result, 'undone');
    assert.equal((await harness.api('GET', '/proxies/undone/toxics/lag')).status, 404);
    assert.equal((await undo(removeToxic)).result, 'already gone');
    assert.equal((await undo(updateToxic)).result, 'already gone');
    const lines: string[] = [];
    const settled: number[] = [];
    const first = entry({ kind: 'delete-proxy', proxy: 'undone' });
    const second = { ...entry({ kind: 'delete-proxy', proxy: 'undone' }), description: 'second' };
    const outcome = await undoEntries(
      [first, second],
      (line) => lines.push(line),
      (done) => settled.push(done),
    );
    assert.deepEqual(outcome, { failed: 0 });
    assert.deepEqual(settled, [second.seq, first.seq], 'newest first, each settled once undone');
    assert.deepEqual(lines, [
      `undone: second (${harness.url})`,
      `already gone: undo delete-proxy (${harness.url})`,
    ]);
    assert.equal((await harness.api('GET', '/proxies/undone')).status, 404);
    assert.equal(
      describeEntry({ ...updateToxic, server: undefined } as unknown as LedgerEntry),
      'undo update-toxic',
    );
  });

  test('an error other than "gone" is passed on', async () => {
    const harness = await startHarness();
    const echo = await startEchoServer();
    await harness.api('POST', '/proxies', { name: 'kept', listen: '127.0.0.1:0', upstream: echo.address });
    await assert.rejects(
      undo({
        seq: 1,
        time: '2026-01-01T00:00:00.000Z',
        server: harness.url,
        description: 'bad body',
        undo: { kind: 'update-proxy', proxy: 'kept', body: { upstream: 'nowhere' } },
      }),
      { name: 'FaultlineApiError', status: 400 },
    );
  });
});
