import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { describe, test, type TestContext } from 'node:test';
import { DeadlineHeap } from '../src/model/deadline-heap.js';
import { createRandom } from '../src/model/random.js';
import {
  createSystemClock,
  SPIN_BURST_MS,
  SPIN_SHARE,
  systemClock,
  TIMER_MARGIN_MS,
} from '../src/model/system-clock.js';

/**
 * Replaces performance.now, setTimeout and setImmediate. `log` lists what the clock asked of
 * them ("timer 99", "turn", "clear timer 99", "clear turn"); `fire` and `turn` run the pending
 * timer or turn at a given time.
 */
function fakeLoop(t: TestContext, start: number) {
  const loop = {
    now: start,
    log: [] as string[],
    timer: undefined as (() => void) | undefined,
    immediate: undefined as (() => void) | undefined,
    fire(at: number) {
      const callback = loop.timer;
      assert.ok(callback, `no timer is armed at ${at}; log: ${loop.log.join(', ')}`);
      loop.timer = undefined;
      loop.now = at;
      callback();
    },
    turn(at: number) {
      const callback = loop.immediate;
      assert.ok(callback, `no turn is pending at ${at}; log: ${loop.log.join(', ')}`);
      loop.immediate = undefined;
      loop.now = at;
      callback();
    },
  };
  t.mock.method(performance, 'now', () => loop.now);
  t.mock.method(globalThis, 'setTimeout', (callback: () => void, ms: number) => {
    loop.log.push(`timer ${ms}`);
    loop.timer = callback;
    return { ms } as unknown as NodeJS.Timeout;
  });
  t.mock.method(globalThis, 'clearTimeout', (handle: { ms: number }) => {
    loop.log.push(`clear timer ${handle.ms}`);
    loop.timer = undefined;
  });
  t.mock.method(globalThis, 'setImmediate', (callback: () => void) => {
    loop.log.push('turn');
    loop.immediate = callback;
    return {} as NodeJS.Immediate;
  });
  t.mock.method(globalThis, 'clearImmediate', () => {
    loop.log.push('clear turn');
    loop.immediate = undefined;
  });
  return loop;
}

/** Lets resolved sleeps run their continuations. */
const settle = async () => {
  for (let hop = 0; hop < 5; hop++) await Promise.resolve();
};

describe('the system clock (timers and performance.now replaced)', () => {
  test(`a timer for the whole milliseconds left less ${TIMER_MARGIN_MS} ms, then turns of the loop to the deadline, never before`, async (t) => {
    const loop = fakeLoop(t, 1000);
    const clock = createSystemClock();
    let done = false;
    const sleeping = clock.sleep(100).then(() => (done = true));
    assert.deepEqual(loop.log, ['timer 99']);
    // The loop's millisecond clock let the timer fire 1.5 ms early: a timer for the last whole one.
    loop.fire(1098.5);
    assert.deepEqual(loop.log, ['timer 99', 'timer 1']);
    // 1.25 ms left is still a timer's to wait; 1 ms is for turns.
    loop.fire(1098.75);
    assert.deepEqual(loop.log, ['timer 99', 'timer 1', 'timer 1']);
    loop.fire(1099);
    assert.deepEqual(loop.log.slice(3), ['turn']);
    loop.turn(1099.75);
    await settle();
    assert.equal(done, false);
    assert.deepEqual(loop.log.slice(3), ['turn', 'turn']);
    loop.turn(1100);
    await sleeping;
    assert.equal(done, true);
    // Nothing is left armed once no wait is pending.
    assert.deepEqual(loop.log.slice(3), ['turn', 'turn']);
    assert.equal(loop.timer, undefined);
    assert.equal(loop.immediate, undefined);
  });

  test('every wait shares one timer, armed again only for an earlier deadline; ties wake in order', async (t) => {
    const loop = fakeLoop(t, 0);
    const clock = createSystemClock();
    const woken: string[] = [];
    const wait = (name: string, ms: number) => clock.sleep(ms).then(() => woken.push(name));
    const all = [wait('a', 50), wait('b', 30.5), wait('c', 40), wait('d', 30.5), wait('e', 30.5)];
    assert.deepEqual(loop.log, ['timer 49', 'clear timer 49', 'timer 30']);
    loop.fire(30.5);
    await settle();
    assert.deepEqual(woken, ['b', 'd', 'e']);
    assert.deepEqual(loop.log.slice(3), ['timer 9']);
    // A later wait added meanwhile does not touch the armed timer.
    all.push(wait('f', 45));
    assert.deepEqual(loop.log.slice(3), ['timer 9']);
    loop.fire(40);
    await settle();
    assert.deepEqual(woken, ['b', 'd', 'e', 'c']);
    assert.deepEqual(loop.log.slice(4), ['timer 9']);
    loop.fire(50);
    await settle();
    assert.deepEqual(woken, ['b', 'd', 'e', 'c', 'a']);
    assert.deepEqual(loop.log.slice(5), ['timer 25']);
    loop.fire(75.5);
    await Promise.all(all);
    assert.deepEqual(woken, ['b', 'd', 'e', 'c', 'a', 'f']);
    assert.deepEqual(loop.log.slice(6), []);
  });

  test('a short wait added while the timer is armed finishes on turns, then the timer is armed again', async (t) => {
    const loop = fakeLoop(t, 10);
    const clock = createSystemClock();
    const long = clock.sleep(3);
    const short = clock.sleep(0.5);
    assert.deepEqual(loop.log, ['timer 2', 'clear timer 2', 'turn']);
    loop.turn(10.5);
    await short;
    assert.deepEqual(loop.log.slice(3), ['timer 2']);
    loop.fire(13);
    await long;
    assert.deepEqual(loop.log.slice(4), []);
  });

  test(`turns take at most ${SPIN_SHARE * 100}% of the time, with ${SPIN_BURST_MS} ms saved up while idle; past that a 1 ms timer finishes a wait`, async (t) => {
    const loop = fakeLoop(t, 0);
    const clock = createSystemClock();
    // An idle second first: the allowance it earns is capped at the burst.
    const idle = clock.sleep(1000);
    loop.fire(1000);
    await idle;
    loop.log.length = 0;
    // Each 0.9 ms wait on turns costs 0.9 ms and earns 0.09: five fit in 4 ms, the sixth does not.
    for (let index = 0; index < 5; index++) {
      const start = loop.now;
      const waiting = clock.sleep(0.9);
      loop.turn(start + 0.9);
      await waiting;
    }
    assert.deepEqual(loop.log, ['turn', 'turn', 'turn', 'turn', 'turn']);
    const sixth = clock.sleep(0.9);
    assert.deepEqual(loop.log.slice(5), ['timer 1']);
    loop.fire(loop.now + 1);
    await sixth;
    // After 40 ms without turns the allowance is back, and turns finish waits again.
    loop.now += 40;
    const rested = clock.sleep(0.9);
    assert.deepEqual(loop.log.slice(6), ['turn']);
    loop.turn(loop.now + 0.9);
    await rested;
  });

  test('a spent allowance also ends turns that are running: the rest of the wait is a 1 ms timer', async (t) => {
    const loop = fakeLoop(t, 0);
    const clock = createSystemClock();
    // Waits of 0.99 ms one after another on turns: 4 ms lasts four of them and part of a fifth.
    let finished = 0;
    const chain = async () => {
      for (let index = 0; index < 6; index++) {
        await clock.sleep(0.99);
        finished += 1;
      }
    };
    const running = chain();
    let step = 0;
    while (loop.immediate) {
      step += 1;
      loop.turn(step * 0.495);
      await settle();
    }
    // 4 / (0.99 - 0.099) = 4.49 waits' worth of turns.
    assert.equal(finished, 4);
    assert.deepEqual(loop.log.slice(-1), ['timer 1']);
    while (finished < 6) {
      if (loop.timer) loop.fire(loop.now + 1);
      else loop.turn(loop.now + 0.5);
      await settle();
    }
    await running;
  });

  test('an aborted signal ends the wait at once; Infinity waits for the signal alone; no time waits not at all', async (t) => {
    const loop = fakeLoop(t, 5);
    const clock = createSystemClock();
    await clock.sleep(50, AbortSignal.abort());
    await clock.sleep(0);
    await clock.sleep(-3);
    await clock.sleep(Number.NaN);
    const controller = new AbortController();
    const forever = clock.sleep(Number.POSITIVE_INFINITY, controller.signal);
    assert.deepEqual(loop.log, []);
    controller.abort();
    await forever;
    assert.deepEqual(loop.log, []);
    assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
  });

  test('a wait added while turns have not run for a while pays for that time, and may end the turns', async (t) => {
    const loop = fakeLoop(t, 0);
    const clock = createSystemClock();
    const spinning = clock.sleep(1);
    assert.deepEqual(loop.log, ['turn']);
    // The loop was busy 4.5 ms without a turn: 4 + 0.45 - 4.5 leaves nothing to spin with.
    loop.now = 4.5;
    const later = clock.sleep(10);
    assert.deepEqual(loop.log, ['turn', 'clear turn', 'timer 1']);
    loop.fire(5.5);
    await spinning;
    loop.fire(14.5);
    await later;
  });

  test('an allowance of exactly nothing spins no turn', async (t) => {
    const loop = fakeLoop(t, 0);
    const clock = createSystemClock();
    const first = clock.sleep(1);
    // One turn that came 5 ms late: 4 + 0.5 - 5 = -0.5.
    loop.turn(5);
    await first;
    const second = clock.sleep(1);
    assert.deepEqual(loop.log, ['turn', 'timer 1']);
    // 5 ms on a timer earn the 0.5 back: the allowance is 0.
    loop.fire(10);
    await second;
    const third = clock.sleep(1);
    assert.deepEqual(loop.log, ['turn', 'timer 1', 'timer 1']);
    loop.fire(11);
    await third;
  });

  test('an abort withdraws the wait: the timer or turn goes when nothing else waits, stays for what does', async (t) => {
    const loop = fakeLoop(t, 0);
    const clock = createSystemClock();
    const first = new AbortController();
    const second = new AbortController();
    const aborted = clock.sleep(10, first.signal);
    const kept = clock.sleep(20, second.signal);
    first.abort();
    await aborted;
    // The timer armed for 9 ms stays: it fires early for the 20 ms wait and is armed again.
    assert.deepEqual(loop.log, ['timer 9']);
    second.abort();
    await kept;
    assert.deepEqual(loop.log, ['timer 9', 'clear timer 9']);
    // A wait finishing on turns, aborted while a longer one waits: the turns give way to a timer.
    const spinning = new AbortController();
    const onTurns = clock.sleep(0.5, spinning.signal);
    const later = clock.sleep(5);
    assert.deepEqual(loop.log.slice(2), ['turn']);
    spinning.abort();
    await onTurns;
    assert.equal(getEventListeners(spinning.signal, 'abort').length, 0);
    assert.deepEqual(loop.log.slice(2), ['turn', 'clear turn', 'timer 4']);
    loop.fire(5);
    await later;
    // The last wait on turns aborted: the turns stop.
    const last = new AbortController();
    const alone = clock.sleep(0.5, last.signal);
    last.abort();
    await alone;
    assert.deepEqual(loop.log.slice(5), ['turn', 'clear turn']);
    assert.equal(loop.immediate, undefined);
  });

  test('a finished wait leaves no abort listener behind', async (t) => {
    const loop = fakeLoop(t, 0);
    const clock = createSystemClock();
    const controller = new AbortController();
    const waiting = clock.sleep(0.5, controller.signal);
    assert.equal(getEventListeners(controller.signal, 'abort').length, 1);
    loop.turn(0.5);
    await waiting;
    assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
  });
});

describe('the process clock (real timers)', () => {
  test('a wait is never short, and now() moves with performance.now()', async () => {
    const before = performance.now();
    assert.ok(systemClock.now() >= before);
    await systemClock.sleep(5.5);
    assert.ok(performance.now() - before >= 5.5, `woke after ${performance.now() - before} ms`);
  });
});

describe('deadline heap', () => {
  test('takes deadlines out in order, ties in the order they were added, withdrawn ones never', () => {
    const heap = new DeadlineHeap();
    const random = createRandom(16);
    const woken: number[] = [];
    const added = Array.from({ length: 400 }, (_, index) => {
      const at = random.int(0, 60);
      return { index, at, deadline: heap.add(at, () => woken.push(index)) };
    });
    const withdrawn = new Set(added.filter(({ index }) => index % 3 === 0).map(({ index }) => index));
    for (const entry of added) if (withdrawn.has(entry.index)) heap.withdraw(entry.deadline);
    assert.equal(heap.size, 400 - withdrawn.size);
    for (const now of [-1, 10, 10, 35.5, 60]) {
      for (let due = heap.takeDue(now); due; due = heap.takeDue(now)) due.wake();
    }
    const expected = added
      .filter(({ index }) => !withdrawn.has(index))
      .sort((a, b) => a.at - b.at || a.index - b.index)
      .map(({ index }) => index);
    assert.deepEqual(woken, expected);
    assert.equal(heap.size, 0);
    assert.equal(heap.earliest, Number.POSITIVE_INFINITY);
  });

  test('takeDue gives the earliest wait while it is due, then nothing; earliest reports it', () => {
    const heap = new DeadlineHeap();
    assert.equal(heap.takeDue(100), undefined);
    heap.add(5, () => undefined);
    heap.add(2, () => undefined);
    heap.add(9, () => undefined);
    assert.equal(heap.earliest, 2);
    assert.equal(heap.takeDue(5)?.at, 2);
    assert.equal(heap.takeDue(5)?.at, 5);
    assert.equal(heap.takeDue(5), undefined);
    assert.equal(heap.earliest, 9);
    assert.equal(heap.takeDue(8.99), undefined);
    assert.equal(heap.size, 1);
  });

  test('withdrawing a wait already taken out leaves the one now in its place', () => {
    const heap = new DeadlineHeap();
    const first = heap.add(1, () => undefined);
    heap.add(2, () => undefined);
    heap.add(2.5, () => undefined);
    assert.equal(heap.takeDue(1), first);
    heap.withdraw(first);
    assert.equal(heap.size, 2);
    assert.equal(heap.earliest, 2);
    const last = heap.add(3, () => undefined);
    heap.withdraw(last);
    assert.equal(heap.takeDue(10)?.at, 2);
    assert.equal(heap.takeDue(10)?.at, 2.5);
    assert.equal(heap.takeDue(10), undefined);
  });
});
