import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createDecider } from '../src/model/fault.js';
import { parseFault } from '../src/model/fault-schema.js';

/** Calls decided at each time, and which of them the fault applied to (1-based). */
function firings(fault: object, times: number[]): number[] {
  let now = 0;
  const decider = createDecider(parseFault(fault), { now: () => now });
  const fired: number[] = [];
  times.forEach((time, index) => {
    now = time;
    if (decider.decide({})) fired.push(index + 1);
  });
  return fired;
}

test('everyNth counts from the start of the window: calls before it are not counted', () => {
  // Three calls before the window opens, then four inside it: every 2nd of those four.
  const fired = firings(
    { error: 'boom', everyNth: 2, window: { afterMs: 100 } },
    [0, 10, 20, 100, 110, 120, 130],
  );
  assert.deepEqual(fired, [5, 7]);
});

test('firstN means the first N calls in the window, not the first N calls made', () => {
  const fired = firings({ error: 'boom', firstN: 2, window: { afterMs: 100 } }, [0, 10, 100, 110, 120]);
  assert.deepEqual(fired, [3, 4]);
});
