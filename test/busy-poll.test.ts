import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createBusyPoll, LOOK_EVERY_MS, MAX_WAIT_SHARE } from '../src/proxy/busy-poll.js';
import { cpuWaitShare } from '../src/proxy/cpu-contention.js';

/** How many setImmediate turns are waiting now: a spinning poll keeps exactly one. */
const pendingTurns = () => process.getActiveResourcesInfo().filter((kind) => kind === 'Immediate').length;

/** A poll on a clock the test moves, asked `shares` in order at each look. */
function pollWith(shares: (number | undefined)[]) {
  const clock = { at: 1000 };
  const looks: number[] = [];
  const poll = createBusyPoll(200, {
    now: () => clock.at,
    waitShare: () => {
      looks.push(clock.at);
      return shares.shift();
    },
  });
  return { poll, clock, looks };
}

describe('busy poll', () => {
  test('spins after activity and stops when told', () => {
    const { poll } = pollWith([]);
    assert.equal(pendingTurns(), 0);
    poll.activity();
    assert.equal(pendingTurns(), 1);
    poll.activity();
    assert.equal(pendingTurns(), 1);
    poll.stop();
    assert.equal(pendingTurns(), 0);
  });

  test('a window of 0 never spins and never looks at the CPU', () => {
    let looked = 0;
    const poll = createBusyPoll(0, { waitShare: () => (looked += 1) });
    poll.activity();
    assert.equal(pendingTurns(), 0);
    assert.equal(looked, 0);
  });

  test('looks at the CPU once per period of activity, not on every read', () => {
    const { poll, clock, looks } = pollWith([0, 0]);
    poll.activity();
    clock.at += LOOK_EVERY_MS - 1;
    poll.activity();
    assert.deepEqual(looks, []);
    clock.at += 1;
    poll.activity();
    clock.at += LOOK_EVERY_MS - 1;
    poll.activity();
    assert.deepEqual(looks, [1000 + LOOK_EVERY_MS]);
    poll.stop();
  });

  test('does not spin while its thread waited for a CPU more than the limit; spins again once it waits less', () => {
    const { poll, clock } = pollWith([0.3, MAX_WAIT_SHARE, undefined]);
    clock.at += LOOK_EVERY_MS;
    poll.activity();
    assert.equal(pendingTurns(), 0, 'waited 30% of the time: no spin');
    clock.at += LOOK_EVERY_MS;
    poll.activity();
    assert.equal(pendingTurns(), 1, 'waited exactly the limit: spins');
    poll.stop();
    clock.at += LOOK_EVERY_MS;
    poll.activity();
    assert.equal(pendingTurns(), 1, 'the kernel does not say: spins');
    poll.stop();
  });

  test('a spin started before the machine got busy runs out its window', async () => {
    const { poll, clock } = pollWith([0.5]);
    poll.activity();
    clock.at += LOOK_EVERY_MS;
    poll.activity();
    assert.equal(pendingTurns(), 1, 'the turn already queued stays');
    clock.at += 1; // past the window (200 µs) of the first activity
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(pendingTurns(), 0);
  });
});

describe('cpuWaitShare', () => {
  test("is the wait since the last look over the wall time since it: schedstat's second field, in ns", () => {
    const readings = ['5000 2000000 7\n', '9000 7000000 9\n', '9500 7000000 10\n'];
    const clock = { at: 10 };
    const share = cpuWaitShare(
      () => readings.shift()!,
      () => clock.at,
    );
    clock.at = 60;
    assert.equal(share(), 0.1, '5 ms waited in 50 ms');
    clock.at = 70;
    assert.equal(share(), 0, 'no wait in the next 10 ms');
  });

  test('reads the file no more where it could not be read at first', () => {
    let reads = 0;
    const share = cpuWaitShare(
      () => {
        reads += 1;
        throw new Error('ENOENT');
      },
      () => performance.now(),
    );
    assert.equal(share(), undefined);
    assert.equal(share(), undefined);
    assert.equal(reads, 1);
  });

  test('is undefined once the file cannot be read or says nothing', () => {
    const readings = ['1 2 3', '1 4 3'];
    let clock = 0;
    const failing = cpuWaitShare(
      () => {
        const next = readings.shift();
        if (next === undefined) throw new Error('EIO');
        return next;
      },
      () => (clock += 10),
    );
    assert.equal(failing(), 2 / 1e6 / 10);
    assert.equal(failing(), undefined);
  });

  test('is undefined where the file cannot be read or says nothing from the start', () => {
    const clock = { at: 0 };
    const unreadable = cpuWaitShare(
      () => {
        throw new Error('ENOENT');
      },
      () => (clock.at += 10),
    );
    assert.equal(unreadable(), undefined);
    const empty = cpuWaitShare(
      () => '',
      () => (clock.at += 10),
    );
    assert.equal(empty(), undefined);
    const garbled = cpuWaitShare(
      () => 'a b c',
      () => (clock.at += 10),
    );
    assert.equal(garbled(), undefined);
  });

  test('is undefined when no time has passed since the last look', () => {
    const share = cpuWaitShare(
      () => '1 2 3',
      () => 5,
    );
    assert.equal(share(), undefined);
  });

  test("reads this thread's account on Linux: a share from 0 up", () => {
    const share = cpuWaitShare();
    const until = performance.now() + 20;
    while (performance.now() < until);
    const value = share();
    assert.equal(typeof value, 'number');
    assert.ok(value! >= 0 && value! <= 1.01, `a share of the time, not ${value}`);
  });
});
