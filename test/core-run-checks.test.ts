import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { experiment, js, names } from './experiment-helpers.js';
import { prepared, runLogged, scriptedActivity, scriptedPython, startRun } from './run-helpers.js';

// The steady-state hypothesis checked during the method: how often, when the checks stop, and
// what an error or an interruption in a check does to the run.

const met = (name = 'p') => js('probe', name, 'value', { value: 1 }, { tolerance: 1 });
const missed = (name = 'p') => js('probe', name, 'value', { value: 2 }, { tolerance: 1 });

describe('the hypothesis before the method', () => {
  test('missed: the method is skipped, the run completes and default plays the rollbacks, as chaos run', async () => {
    const { journal, log } = await runLogged(
      experiment({
        'steady-state-hypothesis': { title: 'h', probes: [missed()] },
        method: [js('action', 'a', 'value')],
        rollbacks: [js('action', 'undo', 'value')],
      }),
    );
    assert.deepEqual(
      [
        journal.status,
        journal.deviated,
        names(journal.run),
        names(journal.rollbacks),
        journal.steady_states.after,
      ],
      ['completed', false, [], ['undo'], null],
    );
    assert.equal(log.lines.includes("info: Playing your experiment's method now..."), false);
  });
});

describe('how often the hypothesis is checked during the method', () => {
  test('by default every second: a method of 200 ms sees the first check only', async () => {
    const { journal } = await runLogged(
      experiment({
        'steady-state-hypothesis': { title: 'h', probes: [met()] },
        method: [js('action', 'short', 'wait', { ms: 200 })],
      }),
      { hypothesisStrategy: 'during-method-only' },
    );
    assert.equal(journal.steady_states.during.length, 1);
  });

  test('every hypothesisFrequency seconds: 10 ms apart, a method of 800 ms sees more than one', async () => {
    const { journal } = await runLogged(
      experiment({
        'steady-state-hypothesis': { title: 'h', probes: [met()] },
        method: [js('action', 'longer', 'wait', { ms: 800 })],
      }),
      { hypothesisStrategy: 'during-method-only', hypothesisFrequency: 0.01 },
    );
    // One check every 10 ms plus the probe's own time; at one per second there would be one.
    assert.ok(journal.steady_states.during.length > 1, `${journal.steady_states.during.length} checks`);
  });

  test('--fail-fast: the checks stop at the first deviation', async () => {
    const { journal } = await runLogged(
      experiment({
        'steady-state-hypothesis': { title: 'h', probes: [missed()] },
        method: [js('action', 'first', 'wait', { ms: 400 }), js('action', 'second', 'value')],
      }),
      { hypothesisStrategy: 'during-method-only', failFast: true, hypothesisFrequency: 0.01 },
    );
    assert.deepEqual(
      [journal.status, journal.steady_states.during.length, names(journal.run)],
      ['failed', 1, ['first']],
    );
  });
});

describe('a check that cannot complete', () => {
  test('an error in a check aborts the run once the activity in progress ends, as chaoslib does', async () => {
    const valid = await prepared(
      experiment({
        'steady-state-hypothesis': { title: 'h', probes: [] },
        method: [js('action', 'first', 'wait', { ms: 300 }), js('action', 'second', 'value')],
        rollbacks: [js('action', 'undo', 'value')],
      }),
      { probes: [{ ref: 'missing' }] },
    );
    const { log, running } = startRun(valid, { hypothesisStrategy: 'during-method-only' });
    const journal = await running.journal;
    assert.deepEqual(
      [journal.status, journal.deviated, names(journal.run), names(journal.rollbacks)],
      ['aborted', false, ['first'], ['undo']],
    );
    assert.ok(
      log.lines.includes(
        "error: Experiment aborted: the steady-state hypothesis check during the method failed: could not find referenced activity 'missing'",
      ),
      log.lines.join('\n'),
    );
  });

  test("a control's InterruptExecution in a check interrupts the method at once", async () => {
    const tracer = {
      name: 'tracer',
      provider: {
        type: 'javascript',
        module: './controls.mjs',
        arguments: { stop_at_check: 2, counter: 'core-run-checks' },
      },
    };
    const { journal } = await runLogged(
      experiment({
        'steady-state-hypothesis': { title: 'h', probes: [met()] },
        method: [js('action', 'long', 'wait', { ms: 10_000 }), js('action', 'next', 'value')],
        controls: [tracer],
      }),
      { hypothesisStrategy: 'continuously', hypothesisFrequency: 0.01 },
    );
    assert.deepEqual(
      [journal.status, journal.interruption, names(journal.run), journal.steady_states.after],
      ['interrupted', 'the control stops the run at hypothesis check 2', ['long'], null],
    );
    assert.equal('status' in journal.run[0]!, false, 'the long action was stopped, not waited for');
  });
});

describe('checks and background activities run as background work', () => {
  test('a Python probe checked during the method and a background Python action say so; a foreground one does not', async () => {
    const scripted = scriptedPython(() => ({ output: true }));
    const valid = await prepared(
      experiment({
        'steady-state-hypothesis': { title: 'h', probes: [] },
        method: [js('action', 'wait', 'wait', { ms: 100 })],
      }),
      {
        probes: [scriptedActivity('probe', 'check', 'check', { tolerance: true })],
        method: [
          scriptedActivity('action', 'behind', 'behind', { background: true }),
          scriptedActivity('action', 'ahead', 'ahead'),
        ],
      },
    );
    const { running } = startRun(valid, {
      python: scripted.runtime,
      hypothesisStrategy: 'during-method-only',
      hypothesisFrequency: 10,
    });
    const journal = await running.journal;
    assert.equal(journal.status, 'completed');
    assert.deepEqual(scripted.requests.map((request) => [request.func, request.background ?? false]).sort(), [
      ['ahead', false],
      ['behind', true],
      ['check', true],
    ]);
  });
});
