import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ActivityEnvironment } from '../src/experiment/activity.js';
import type { RunLog } from '../src/experiment/console.js';
import type { ControlHooks } from '../src/experiment/controls/hooks.js';
import { ActivityFailed } from '../src/experiment/errors.js';
import { checkTolerance, resolve, runHypothesis } from '../src/experiment/hypothesis.js';
import { noLedger } from '../src/experiment/ledger.js';
import { validateExperiment } from '../src/experiment/validate.js';
import type { Activity, JsonObject } from '../src/model/experiment.js';
import { experiment, fixtures, js } from './experiment-helpers.js';

/** A log that keeps every line with its level, so the runner's messages can be checked exactly. */
function recordingLog(): RunLog & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    info: (message) => lines.push(`info: ${message}`),
    warning: (message) => lines.push(`warning: ${message}`),
    error: (message) => lines.push(`error: ${message}`),
    critical: (message) => lines.push(`critical: ${message}`),
    progress: () => () => undefined,
  };
}

function environment(
  log: RunLog,
  extra: { controls?: ControlHooks; signal?: AbortSignal; dry?: ActivityEnvironment['dry'] } = {},
): ActivityEnvironment {
  return {
    dry: extra.dry,
    log,
    ...(extra.controls ? { controls: extra.controls } : {}),
    context: {
      configuration: {},
      secrets: {},
      scope: {},
      signal: extra.signal ?? new AbortController().signal,
      baseDirectory: fixtures,
      ledger: noLedger,
      warn: () => undefined,
    },
  };
}

const probe = (name: string, func: string, args: object, tolerance: unknown) =>
  js('probe', name, func, args, { tolerance }) as unknown as Activity;

describe('resolve: a ref names an activity of the experiment', () => {
  const named = probe('status', 'value', { value: 1 }, 1);
  const owner = experiment({ method: [named] });

  test('an activity is returned as it is, a ref as the activity it names', () => {
    assert.equal(resolve(named, owner), named);
    assert.equal(resolve({ ref: 'status' }, owner), named);
  });

  test('a ref to no activity fails with the name it looked for', () => {
    assert.throws(() => resolve({ ref: 'missing' }, owner), {
      name: ActivityFailed.name,
      message: "could not find referenced activity 'missing'",
    });
  });
});

describe('runHypothesis: probes in order, the first miss stops it', () => {
  test('all probes within tolerance: met, not errored, with the log lines chaostoolkit prints', async () => {
    const log = recordingLog();
    const hypothesis = {
      title: 'all is well',
      probes: [probe('one', 'value', { value: 1 }, 1), probe('two', 'value', { value: 'ok' }, 'ok')],
    };
    const result = await runHypothesis(hypothesis, experiment({}), environment(log));
    assert.equal(result.errored, false);
    assert.equal(result.state.steady_state_met, true);
    assert.deepEqual(
      result.state.probes.map((entry) => [entry.activity.name, entry.status, entry.tolerance_met]),
      [
        ['one', 'succeeded', true],
        ['two', 'succeeded', true],
      ],
    );
    assert.deepEqual(log.lines, [
      'info: Steady state hypothesis: all is well',
      'info: Probe: one',
      'info: Probe: two',
      'info: Steady state hypothesis is met!',
    ]);
  });

  test('a hypothesis without probes is met at once', async () => {
    const log = recordingLog();
    const result = await runHypothesis({ title: 'empty' }, experiment({}), environment(log));
    assert.deepEqual(result, { state: { steady_state_met: true, probes: [] }, errored: false });
  });

  test('a probe out of tolerance: not met, not errored, and the probes after it do not run', async () => {
    const log = recordingLog();
    const hypothesis = {
      title: 'h',
      probes: [probe('off', 'value', { value: 2 }, 1), probe('later', 'value', { value: 1 }, 1)],
    };
    const result = await runHypothesis(hypothesis, experiment({}), environment(log));
    assert.equal(result.errored, false);
    assert.equal(result.state.steady_state_met, false);
    assert.deepEqual(
      result.state.probes.map((entry) => [entry.activity.name, entry.tolerance_met]),
      [['off', false]],
    );
    assert.equal(
      log.lines.at(-1),
      "critical: Steady state probe 'off' is not in the given tolerance so failing this experiment",
    );
  });

  test('a process probe out of tolerance: the miss names its exit code and the end of its stderr', async () => {
    const log = recordingLog();
    const script = 'echo fine; echo first >&2; echo second >&2; echo third >&2; echo last >&2; exit 3';
    const hypothesis = {
      title: 'h',
      probes: [
        {
          type: 'probe',
          name: 'health',
          tolerance: 0,
          provider: { type: 'process', path: 'sh', arguments: ['-c', script] },
        } as unknown as Activity,
      ],
    };
    const result = await runHypothesis(hypothesis, experiment({}), environment(log));
    assert.deepEqual(result.state.probes[0]?.output, {
      status: 3,
      stdout: 'fine\n',
      stderr: 'first\nsecond\nthird\nlast\n',
    });
    assert.equal(
      log.lines.at(-1),
      "critical: Steady state probe 'health' is not in the given tolerance so failing this experiment (it returned exit code 3; stderr ends with: second | third | last)",
    );
  });

  test('a probe that fails to run: not met and errored, its tolerance counted as missed', async () => {
    const log = recordingLog();
    const hypothesis = {
      title: 'h',
      probes: [probe('broken', 'fail', {}, true), probe('later', 'value', { value: 1 }, 1)],
    };
    const result = await runHypothesis(hypothesis, experiment({}), environment(log));
    assert.equal(result.errored, true);
    assert.equal(result.state.steady_state_met, false);
    assert.deepEqual(
      result.state.probes.map((entry) => [entry.activity.name, entry.status, entry.tolerance_met]),
      [['broken', 'failed', false]],
    );
    assert.equal(
      log.lines.at(-1),
      "critical: Steady state probe 'broken' is not in the given tolerance so failing this experiment",
    );
  });

  test('in a dry run of probes the tolerance is not checked', async () => {
    const hypothesis = { title: 'h', probes: [probe('off', 'value', { value: 2 }, 1)] };
    const result = await runHypothesis(
      hypothesis,
      experiment({}),
      environment(recordingLog(), { dry: 'probes' }),
    );
    assert.equal(result.state.steady_state_met, true);
    assert.equal(result.state.probes[0]!.tolerance_met, true);
  });

  test('a ref among the probes runs the activity it names, checked against its own tolerance', async () => {
    const named = probe('named', 'value', { value: 7 }, 8);
    const result = await runHypothesis(
      { title: 'h', probes: [{ ref: 'named', tolerance: 7 }] },
      experiment({ method: [named] }),
      environment(recordingLog()),
    );
    assert.deepEqual(
      result.state.probes.map((entry) => [entry.activity.name, entry.output, entry.tolerance_met]),
      [['named', 7, true]],
    );
    assert.equal(result.state.steady_state_met, true);
  });

  test("a ref is not checked against the named activity's tolerance: chaoslib reads the ref's", async () => {
    const named = probe('named', 'value', { value: 7 }, 7);
    const owner = experiment({ method: [named] });
    const missed = await runHypothesis(
      { title: 'h', probes: [{ ref: 'named', tolerance: 8 }] },
      owner,
      environment(recordingLog()),
    );
    assert.deepEqual(
      [missed.state.steady_state_met, missed.state.probes[0]!.tolerance_met, missed.errored],
      [false, false, false],
    );
    // Without validation a ref may carry no tolerance: chaoslib's within_tolerance(None) is falsy.
    const bare = await runHypothesis(
      { title: 'h', probes: [{ ref: 'named' }] },
      owner,
      environment(recordingLog()),
    );
    assert.equal(bare.state.steady_state_met, false);
  });

  test("checkTolerance reads the probe's own tolerance unless given another", async () => {
    const named = probe('named', 'value', {}, 7);
    assert.equal(await checkTolerance(named, 7, environment(recordingLog())), true);
    assert.equal(await checkTolerance(named, 7, environment(recordingLog()), 8), false);
  });

  test('controls see the hypothesis level around the probes, and its state after', async () => {
    const calls: Array<[string, string, unknown]> = [];
    const controls: ControlHooks = {
      before: async (level, context) => {
        calls.push(['before', level, context.title ?? context.name]);
      },
      after: async (level, context, state) => {
        calls.push([
          'after',
          level,
          level === 'hypothesis' ? (state as { steady_state_met: boolean }).steady_state_met : context.name,
        ]);
      },
    };
    const hypothesis: JsonObject = { title: 'watched', probes: [probe('p', 'value', { value: 1 }, 1)] };
    const result = await runHypothesis(hypothesis, experiment({}), environment(recordingLog(), { controls }));
    assert.equal(result.state.steady_state_met, true);
    assert.deepEqual(calls, [
      ['before', 'hypothesis', 'watched'],
      ['before', 'activity', 'p'],
      ['after', 'activity', 'p'],
      ['after', 'hypothesis', true],
    ]);
  });

  test('the after-hypothesis control runs with a null state when a probe throws', async () => {
    const states: unknown[] = [];
    const controls: ControlHooks = {
      before: async () => undefined,
      after: async (level, _context, state) => {
        if (level === 'hypothesis') states.push(state);
      },
    };
    await assert.rejects(
      runHypothesis(
        { title: 'h', probes: [{ ref: 'nowhere' }] },
        experiment({}),
        environment(recordingLog(), { controls }),
      ),
      { name: ActivityFailed.name, message: "could not find referenced activity 'nowhere'" },
    );
    assert.deepEqual(states, [null]);
  });
});

describe('checkTolerance', () => {
  const output = { status: 5 };

  test('a probe tolerance gets the value beside its own arguments', async () => {
    const tolerance = (low: number, high: number) => ({
      type: 'probe',
      name: 'between',
      provider: {
        type: 'javascript',
        module: './tolerance-probes.mjs',
        func: 'between',
        arguments: { low, high },
      },
    });
    const log = recordingLog();
    const inside = probe('p', 'value', {}, tolerance(5, 5));
    const outside = probe('p', 'value', {}, tolerance(6, 9));
    assert.equal(await checkTolerance(inside, 5, environment(log)), true);
    assert.equal(await checkTolerance(outside, 5, environment(log)), false);
    assert.deepEqual(log.lines, []);
  });

  test("the value is also set in the tolerance's own arguments, as chaoslib does (journal.experiment shows it)", async () => {
    const tolerance = {
      type: 'probe',
      name: 'between',
      provider: {
        type: 'javascript',
        module: './tolerance-probes.mjs',
        func: 'between',
        arguments: { low: 1, high: 9 },
      },
    };
    const checked = probe('p', 'value', {}, tolerance);
    assert.equal(await checkTolerance(checked, 4, environment(recordingLog())), true);
    assert.deepEqual(tolerance.provider.arguments, { low: 1, high: 9, value: 4 });
    assert.equal(await checkTolerance(checked, 12, environment(recordingLog())), false);
    assert.deepEqual(tolerance.provider.arguments, { low: 1, high: 9, value: 12 }, 'the last value checked');
    const withList = { ...tolerance, provider: { ...tolerance.provider, arguments: [1, 9] } };
    // Without bounds of its own, between() says false: the check ran, and left the list alone.
    assert.equal(
      await checkTolerance(probe('p', 'value', {}, withList), 4, environment(recordingLog())),
      false,
    );
    assert.deepEqual(Object.keys(withList.provider.arguments), ['0', '1'], 'a list is not given a key');
    const withNull = { ...tolerance, provider: { ...tolerance.provider, arguments: null } };
    assert.equal(
      await checkTolerance(probe('p', 'value', {}, withNull), 4, environment(recordingLog())),
      false,
    );
    assert.equal(withNull.provider.arguments, null, 'null arguments stay null');
    const without = {
      type: 'probe',
      name: 'n',
      provider: { type: 'javascript', module: './tolerance-probes.mjs', func: 'between' },
    };
    assert.equal(
      await checkTolerance(probe('p', 'value', {}, without), 4, environment(recordingLog())),
      false,
    );
    assert.equal('arguments' in without.provider, false, 'no arguments are made up in the experiment');
  });

  test('a process tolerance gets no deprecation warning for object arguments, the one form that can take `value`', async () => {
    const tolerance = (extra: object) => ({
      type: 'probe',
      name: 'exits 0',
      provider: { type: 'process', path: 'true', ...extra },
    });
    const warnings: string[] = [];
    const warn = (message: string) => void warnings.push(message);
    const env = environment(recordingLog());
    env.context.warn = warn;
    assert.equal(await checkTolerance(probe('p', 'value', {}, tolerance({})), 4, env), true);
    assert.deepEqual(warnings, [], 'the value faultline adds is not the user writing an object');
    const hypothesis = (extra: object) =>
      experiment({
        'steady-state-hypothesis': { title: 'h', probes: [probe('p', 'value', {}, tolerance(extra))] },
      });
    await validateExperiment(hypothesis({}), fixtures, { warn });
    assert.deepEqual(warnings, []);
    await validateExperiment(hypothesis({ arguments: { '-V': null } }), fixtures, { warn });
    assert.deepEqual(warnings, [], 'a list is refused in a tolerance: "use a list" would be wrong advice');
    await validateExperiment(
      experiment({ method: [{ ...tolerance({ arguments: { '-V': null } }), name: 'method probe' }] }),
      fixtures,
      { warn },
    );
    assert.deepEqual(warnings, [
      "activity 'method probe': process arguments given as an object are deprecated; use a list",
    ]);
  });

  test("a probe tolerance's result is judged by Python's truth: an empty list or object is a miss", async () => {
    // chaoslib: `if rtn: return True`. The tolerance below returns the checked output itself.
    const echo = {
      type: 'probe',
      name: 'echo',
      provider: { type: 'javascript', module: './activities.mjs', func: 'value', arguments: {} },
    };
    const cases: Array<[unknown, boolean]> = [
      [[], false],
      [{}, false],
      ['', false],
      [0, false],
      [false, false],
      [null, false],
      [[0], true],
      [{ ok: false }, true],
      ['0', true],
      [-1, true],
    ];
    for (const [output, met] of cases) {
      assert.equal(
        await checkTolerance(
          probe('p', 'value', {}, structuredClone(echo)),
          output,
          environment(recordingLog()),
        ),
        met,
        `a tolerance returning ${JSON.stringify(output)}`,
      );
    }
  });

  test('a probe tolerance that fails to run is a miss, not an error', async () => {
    const failing = {
      type: 'probe',
      name: 'breaks',
      provider: { type: 'javascript', module: './activities.mjs', func: 'fail' },
    };
    const log = recordingLog();
    assert.equal(await checkTolerance(probe('p', 'value', {}, failing), 1, environment(log)), false);
    // A miss, said as one: chaos keeps the reason in a DEBUG traceback.
    assert.deepEqual(log.lines, [
      "warning: The tolerance probe 'breaks' of probe 'p' failed, so the tolerance is not met (chaos run counts it so too): Error: it failed",
    ]);
  });

  test('a tolerance that cannot be checked is an error naming the probe and why, not a miss', async () => {
    const log = recordingLog();
    const range = { type: 'range', range: [0, 9] };
    await assert.rejects(checkTolerance(probe('shaped', 'value', {}, range), output, environment(log)), {
      name: 'ToleranceUncheckable',
      message: `the tolerance of probe 'shaped' cannot be checked: range tolerance needs a number, got dict; set "target" (e.g. "status")`,
    });
    assert.deepEqual(log.lines, []);
  });

  test('a probe tolerance whose provider cannot run is an error, not a miss of its own', async () => {
    const unknown = { type: 'probe', name: 'odd', provider: { type: 'carrier-pigeon' } };
    await assert.rejects(checkTolerance(probe('p', 'value', {}, unknown), 1, environment(recordingLog())), {
      name: 'ToleranceUncheckable',
      message: /^the tolerance of probe 'p' cannot be checked: Cannot read properties of undefined/,
    });
  });

  test('an error from a probe tolerance in an interrupted run is passed on', async () => {
    const stopped = new AbortController();
    stopped.abort('SIGINT');
    const tolerance = {
      type: 'probe',
      name: 'breaks',
      provider: {
        type: 'javascript',
        module: './activities.mjs',
        func: 'fail',
        arguments: { message: 'mid-way' },
      },
    };
    const log = recordingLog();
    await assert.rejects(
      checkTolerance(probe('p', 'value', {}, tolerance), 1, environment(log, { signal: stopped.signal })),
      (error: Error) => {
        assert.ok(!(error instanceof TypeError) && !(error instanceof ActivityFailed), String(error));
        assert.match(error.message, /mid-way/);
        return true;
      },
    );
    assert.deepEqual(log.lines, []);
  });
});
