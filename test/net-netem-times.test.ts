import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { netemArguments, netemSettings } from '../src/system/netem-settings.js';
import { runCli } from './helpers.js';

/**
 * Every time of `net delay` (--ms, --jitter, --slot, --slot-jitter) reads the same forms: a bare
 * number is milliseconds, the unit of --ms (tc reads a bare time as microseconds), or tc's units.
 */

const words = (asked: Record<string, unknown>) => netemArguments(netemSettings(asked)).join(' ');

/** The words one time becomes in each flag, so the four can be compared. */
function asEachFlag(value: unknown): string[] {
  return [
    words({ ms: value }),
    words({ ms: 100, jitter: value }),
    words({ slot: value }),
    words({ slot: 100, slotDistribution: 'uniform', slotJitter: value }),
  ];
}

describe('one grammar for every time flag of net delay', () => {
  test('a bare number is milliseconds in every flag, and tc units mean the same in each', () => {
    assert.deepEqual(asEachFlag(10), [
      'delay 10ms',
      'delay 100ms 10ms',
      'slot 10ms',
      'slot distribution uniform 100ms 10ms',
    ]);
    for (const same of ['10', '10ms', '10MS', '10000us', '0.01s', '10msec'])
      assert.deepEqual(asEachFlag(same), asEachFlag(10), same);
    assert.deepEqual(asEachFlag('500us'), [
      'delay 500us',
      'delay 100ms 500us',
      'slot 500us',
      'slot distribution uniform 100ms 500us',
    ]);
    assert.deepEqual(asEachFlag('1.5'), asEachFlag('1500us'), 'a fraction of a millisecond');
  });

  test('the same forms are refused by every flag, with the rule said', () => {
    for (const bad of ['10 ms', '10m', '10ns', '0', '0.5us', '61s', 'ms', '-5'])
      for (const key of ['ms', 'jitter', 'slot', 'slotJitter'])
        assert.throws(
          () =>
            netemSettings({
              ms: key === 'ms' ? bad : 100,
              [key]: bad,
              ...(key === 'slotJitter' ? { slot: 10, slotDistribution: 'normal' } : {}),
            }),
          (error: Error) =>
            error.message.includes(
              'must be a time from 1us to 60s (a bare number is milliseconds, not microseconds as tc reads one; or give a unit: us, ms or s',
            ) && error.message.endsWith(`not "${bad}"`),
          `${key} ${bad}`,
        );
  });

  test('the CLI: --ms takes what --jitter takes (10ms was refused), and help says a bare number is ms', async () => {
    const units = await runCli(['net', 'delay', 'nolab', 'a', '--ms', '10ms', '--jitter', '500us']);
    assert.equal(units.code, 2);
    assert.match(units.stderr, /^faultline: there is no lab nolab/);
    const help = await runCli(['net', 'delay', '--help']);
    assert.match(
      help.stdout.replace(/\s+/g, ' '),
      /--ms <time> the delay \(netem: delay TIME\): a bare number is milliseconds, not microseconds as tc reads one/,
    );
  });
});
