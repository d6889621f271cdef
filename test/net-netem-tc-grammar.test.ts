import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { netemArguments, netemSettings } from '../src/system/netem-settings.js';
import { runCli } from './helpers.js';

/**
 * netem's loss models, ecn, slots, rate overheads and correlations, as tc-netem(8) has them: the
 * argv faultline builds is given to the real tc, whose parser answers before the kernel does.
 */

const words = (asked: Record<string, unknown>) => netemArguments(netemSettings(asked));

/**
 * What tc says to `tc qdisc add dev lo root netem WORDS`, run in a network namespace of its own
 * (unshare -n), so that on a kernel with netem nothing but that namespace's lo is touched.
 */
function tcSays(netem: string[]): { parsed: boolean; said: string } {
  const run = spawnSync('unshare', ['-n', 'tc', 'qdisc', 'add', 'dev', 'lo', 'root', 'netem', ...netem], {
    encoding: 'utf8',
    timeout: 10_000,
  });
  const said = `${run.stdout ?? ''}${run.stderr ?? ''}`.trim();
  // Applied (a kernel with netem), or refused by the kernel only after tc parsed every word.
  const parsed = run.status === 0 || /Specified qdisc kind is unknown|Unknown qdisc/.test(said);
  return { parsed, said };
}

const tcMissing = (() => {
  const probe = spawnSync('unshare', ['-n', 'tc', '-V'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0)
    return `needs tc (Debian package iproute2) and unshare -n (util-linux, as root): ${(probe.error?.message ?? probe.stderr).trim()}`;
  return false;
})();

const accepted: Array<[Record<string, unknown>, string]> = [
  [{ lossState: '1,20' }, 'loss state 1% 20%'],
  [{ lossState: [1, 20, 0.5, 100, 0.1] }, 'loss state 1% 20% 0.5% 100% 0.1%'],
  [{ lossGemodel: '1,20,70,0.1', ecn: true }, 'loss gemodel 1% 20% 70% 0.1% ecn'],
  [{ loss: 2, lossCorrelation: 25, ecn: true }, 'loss random 2% 25% ecn'],
  [{ lossState: 5, ecn: true }, 'loss state 5% ecn'],
  [{ slot: '10ms' }, 'slot 10ms'],
  [{ slot: '800us,20ms', slotPackets: 5, slotBytes: 1500 }, 'slot 800us 20ms packets 5 bytes 1500'],
  [{ slot: [5, '5ms'] }, 'slot 5ms 5ms'],
  [
    { slot: '10ms', slotDistribution: 'Normal', slotJitter: '2ms', slotBytes: 3000 },
    'slot distribution normal 10ms 2ms bytes 3000',
  ],
  [{ rate: '5kbit', ratePacketOverhead: 20, rateCellSize: 100, rateCellOverhead: 5 }, 'rate 5kbit 20 100 5'],
  [{ rate: '1mbit', ratePacketOverhead: -14 }, 'rate 1mbit -14'],
  [{ rate: '1mbit', rateCellSize: 48, rateCellOverhead: -5 }, 'rate 1mbit 0 48 -5'],
  [{ ms: 10, reorder: 25, reorderCorrelation: 50, gap: 5 }, 'delay 10ms reorder 25% 50% gap 5'],
  [{ duplicate: 1, duplicateCorrelation: 50 }, 'duplicate 1% 50%'],
  [{ corrupt: 0.1, corruptCorrelation: 25 }, 'corrupt 0.1% 25%'],
  [
    {
      limit: 100,
      ms: 100,
      jitter: '10ms',
      correlation: 25,
      distribution: 'pareto',
      lossGemodel: '1,20',
      ecn: true,
      corrupt: 1,
      corruptCorrelation: 5,
      duplicate: 2,
      duplicateCorrelation: 5,
      reorder: 10,
      reorderCorrelation: 5,
      gap: 3,
      rate: '10mbit',
      ratePacketOverhead: 4,
      slot: '1ms,2ms',
      slotPackets: 10,
    },
    'limit 100 delay 100ms 10ms 25% distribution pareto loss gemodel 1% 20% ecn corrupt 1% 5% ' +
      'duplicate 2% 5% reorder 10% 5% gap 3 rate 10mbit 4 slot 1ms 2ms packets 10',
  ],
];

describe("net delay's argv is what tc-netem(8) and tc's parser take", () => {
  test('loss state, ecn, slot, rate overheads and each correlation land where tc-netem(8) puts them', () => {
    for (const [asked, expected] of accepted) assert.equal(words(asked).join(' '), expected);
  });

  test('tc itself parses every argv faultline builds', { skip: tcMissing }, () => {
    for (const [asked] of accepted) {
      const { parsed, said } = tcSays(words(asked));
      assert.ok(parsed, `tc refused "netem ${words(asked).join(' ')}": ${said}`);
    }
    // The check can fail: tc's own refusals of what faultline refuses below.
    assert.match(tcSays(['ecn']).said, /ecn requested without loss model/);
    assert.match(tcSays(['loss', 'random', '0%', 'ecn']).said, /ecn requested without loss model/);
    assert.match(tcSays(['slot', '20ms', '10ms']).said, /Illegal "slot max_delay"/);
    assert.match(tcSays(['slot', 'distribution', 'normal', '10ms', '0ms']).said, /Non-positive jitter/);
    assert.match(tcSays(['loss', 'state', '1%', '2%', '3%', '4%', '5%', '6%']).said, /What is "6%"\?/);
  });

  test("netem's rules for the new settings are refused before tc runs, naming flag and argument", () => {
    const refused: Array<[Record<string, unknown>, RegExp]> = [
      [{ ecn: true }, /^say what netem should do: .*--loss-state.*--slot; nothing was changed$/],
      [
        { ms: 10, ecn: true },
        /^--ecn \("ecn" in an experiment\) marks packets where a loss model would drop them, and tc refuses it without one: give --loss .*above 0, --loss-state .* or --loss-gemodel/,
      ],
      [{ loss: 0, ecn: true }, /^--ecn .* give --loss \("loss" in an experiment\) above 0/],
      [{ lossState: 1, ecn: 'yes' }, /^--ecn \("ecn" in an experiment\) is true or false, not "yes"$/],
      [{ loss: 1, lossState: 2 }, /^--loss .* and --loss-state .* are two loss models: netem takes one/],
      [
        { loss: 1, lossState: 2, lossGemodel: 3 },
        /^--loss .* and --loss-state .* and --loss-gemodel .* are three loss models/,
      ],
      [
        { lossState: '1,2,3,4,5,6' },
        /^--loss-state .* takes 1 to 5 percentages, p13\[,p31\[,p32\[,p23\[,p14\]\]\]\]/,
      ],
      [{ lossState: '1,101' }, /^--loss-state .*percentage from 0 to 100.*not "101"/],
      [
        { slot: '20ms,10ms' },
        /^--slot .* the second may not be shorter than the first, as tc refuses; not "20ms,10ms"$/,
      ],
      [{ slot: '1,2,3' }, /^--slot .* takes MIN_DELAY\[,MAX_DELAY\]/],
      [{ slot: '10 ms' }, /^--slot .* must be a time from 1us to 60s/],
      [{ ms: 10, slotPackets: 5 }, /^--slot-packets .* shapes netem's slots: give --slot/],
      [{ slot: 10, slotPackets: 0 }, /^--slot-packets .* whole number from 1 to 2147483647, not 0$/],
      [{ slot: 10, slotBytes: '1.5k' }, /^--slot-bytes .* whole number from 1 to 2147483647, not "1.5k"$/],
      [{ slot: 10, slotDistribution: 'normal' }, /^--slot-distribution .* give --slot-jitter/],
      [
        { slot: 10, slotJitter: '2ms' },
        /^--slot-jitter .* give --slot-distribution .* or a range with --slot/,
      ],
      [
        { slot: '5ms,10ms', slotDistribution: 'normal', slotJitter: 1 },
        /^--slot .* with --slot-distribution .* is one DELAY/,
      ],
      [
        { slot: 10, slotDistribution: 'bell', slotJitter: 1 },
        /^--slot-distribution .*must be one of uniform/,
      ],
      [{ ms: 10, ratePacketOverhead: 4 }, /^--rate-packet-overhead .* is part of netem's rate: give --rate/],
      [
        { rate: '1mbit', rateCellOverhead: 5 },
        /^--rate-cell-overhead .* there are no cells without --rate-cell-size/,
      ],
      [{ rate: '1mbit', rateCellSize: 0 }, /^--rate-cell-size .* whole number from 1 to 4294967295, not 0$/],
      [
        { rate: '1mbit', ratePacketOverhead: '-2147483649' },
        /^--rate-packet-overhead .* from -2147483648 to 2147483647/,
      ],
      [
        { duplicateCorrelation: 5, ms: 1 },
        /^--duplicate-correlation .* correlates duplicate: give --duplicate/,
      ],
      [{ corruptCorrelation: 5, ms: 1 }, /^--corrupt-correlation .* correlates corrupt: give --corrupt/],
      [{ ms: 1, reorderCorrelation: 5 }, /^--reorder-correlation .* correlates reorder: give --reorder/],
    ];
    for (const [asked, pattern] of refused)
      assert.throws(
        () => netemSettings(asked),
        (error: Error) => error.name === 'BadInput' && pattern.test(error.message),
        JSON.stringify(asked),
      );
  });

  test('the CLI takes the new flags (it gets as far as the lab) and refuses their bad forms with exit 2', async () => {
    const good = await runCli([
      ...['net', 'delay', 'nolab', 'a', '--loss-state', '1,20', '--ecn', '--slot', '1ms,5ms'],
      ...[
        '--slot-packets',
        '4',
        '--rate',
        '1mbit',
        '--rate-packet-overhead',
        '-14',
        '--rate-cell-size',
        '48',
      ],
      ...['--rate-cell-overhead', '5', '--duplicate', '1', '--duplicate-correlation', '10'],
    ]);
    assert.equal(good.code, 2);
    assert.match(good.stderr, /^faultline: there is no lab nolab/);
    const ecn = await runCli(['net', 'delay', 'nolab', 'a', '--ms', '10', '--ecn']);
    assert.equal(ecn.code, 2);
    assert.match(ecn.stderr, /^faultline: --ecn \("ecn" in an experiment\) marks packets where a loss model/);
  });
});
