import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InvalidActivity } from '../src/experiment/errors.js';
import { checkArguments } from '../src/experiment/providers/faultline-arguments.js';
import { netemArguments, netemSettings } from '../src/system/netem-settings.js';
import { netemCommand } from '../src/system/netlab.js';
import { runCli } from './helpers.js';

const activity = { name: 'slow link', type: 'action' };
const lab = {
  name: 'lab',
  subnet: '10.213.7.0',
  hosts: [
    { name: 'a', namespace: 'fl-lab-a', address: '10.213.7.1', port: 'p1' },
    { name: 'b', namespace: 'fl-lab-b', address: '10.213.7.2', port: 'p2' },
  ],
};

/** The words after `netem` for what an experiment (or the CLI, camel-cased) asks. */
const words = (asked: Record<string, unknown>) => netemArguments(netemSettings(asked)).join(' ');

describe('net delay speaks netem: settings checked by netem rules, tc argv in tc-netem(8) order', () => {
  test('every setting lands where tc-netem(8) puts it: LIMIT DELAY LOSS CORRUPT DUPLICATION REORDERING RATE', () => {
    // OPTIONS := [LIMIT] [DELAY] [LOSS] [CORRUPT] [DUPLICATION] [REORDERING] [RATE]
    // DELAY := delay TIME [JITTER [CORRELATION]] [distribution {uniform|normal|pareto|paretonormal}]
    // LOSS := loss {random PERCENT [CORRELATION] | gemodel p [r [1-h [1-k]]]}
    // REORDERING := reorder PERCENT [CORRELATION] [gap DISTANCE]
    assert.deepEqual(
      netemCommand(
        lab,
        'a',
        netemArguments(
          netemSettings({
            rate: '10MBit',
            reorder: '25%',
            gap: 5,
            duplicate: 1,
            corrupt: 0.1,
            lossCorrelation: 25,
            loss: '0.5',
            distribution: 'Pareto',
            correlation: 30,
            jitter: '10ms',
            ms: 100,
            limit: 1000,
          }),
        ),
      ),
      [
        ...['ip', 'netns', 'exec', 'fl-lab-a', 'tc', 'qdisc', 'add', 'dev', 'eth0', 'root', 'handle', '32:'],
        ...['netem', 'limit', '1000', 'delay', '100ms', '10ms', '30%', 'distribution', 'pareto'],
        ...['loss', 'random', '0.5%', '25%', 'corrupt', '0.1%', 'duplicate', '1%'],
        ...['reorder', '25%', 'gap', '5', 'rate', '10MBit'],
      ],
    );
    assert.equal(words({ ms: 100 }), 'delay 100ms', '`net delay --ms` as before');
    assert.equal(words({ loss: 5 }), 'loss random 5%', 'loss needs no delay');
    assert.equal(words({ lossGemodel: '1,20,70,0.1' }), 'loss gemodel 1% 20% 70% 0.1%');
    assert.equal(words({ lossGemodel: [1, '20%'] }), 'loss gemodel 1% 20%');
    assert.equal(words({ ms: 50, jitter: '500US' }), 'delay 50ms 500us', 'tc time units in any case');
    assert.equal(words({ ms: 50, jitter: 2 }), 'delay 50ms 2ms', 'a bare jitter is milliseconds, as --ms');
    assert.equal(words({ ms: 50, jitter: '1.5s' }), 'delay 50ms 1500ms');
    assert.equal(words({ ms: 50, reorder: 100 }), 'delay 50ms reorder 100%');
    assert.equal(words({ rate: '512kbit', limit: '20' }), 'limit 20 rate 512kbit');
    assert.equal(
      words({ loss: '0.00000001' }),
      'loss random 0.00000001%',
      'decimal notation, as tc-netem(8) writes percentages, not "1e-8%"',
    );
  });

  test("each of netem's rules is refused before tc runs, naming the flag and the experiment argument", () => {
    const refused: Array<[Record<string, unknown>, RegExp]> = [
      [{}, /^say what netem should do: a delay \(--ms\), --loss, .*nothing was changed$/],
      [{ limit: 100 }, /^say what netem should do/],
      [
        { loss: 5, reorder: 10 },
        /^--reorder \("reorder" in an experiment\) .* netem needs a delay: give --ms/,
      ],
      [{ ms: 10, gap: 5 }, /^--gap \("gap" in an experiment\) spaces reordered packets: give --reorder/],
      [{ ms: 10, distribution: 'normal' }, /^--distribution .* tc refuses it without one: give --jitter/],
      [{ ms: 10, correlation: 25 }, /^--correlation .*: give --jitter/],
      [{ loss: 1, jitter: '5ms' }, /^--jitter .* give the delay with --ms/],
      [
        { ms: 10, jitter: 5, distribution: 'gaussian' },
        /must be one of uniform, normal, pareto, paretonormal, not "gaussian"/,
      ],
      [{ loss: 101 }, /^--loss \("loss" in an experiment\) must be a percentage from 0 to 100 .*not 101$/],
      [{ loss: '-1' }, /^--loss .* not "-1"$/],
      [{ duplicate: '5 percent' }, /^--duplicate .* not "5 percent"$/],
      [{ corrupt: 'x' }, /^--corrupt .*percentage/],
      [{ ms: 10, reorder: 250 }, /^--reorder .*percentage/],
      [{ ms: 10, jitter: 5, correlation: 200 }, /^--correlation .*percentage/],
      [
        { loss: 5, lossCorrelation: 101 },
        /^--loss-correlation \("lossCorrelation" in an experiment\) must be a percentage/,
      ],
      [{ lossCorrelation: 25, duplicate: 1 }, /^--loss-correlation .*: give --loss/],
      [{ loss: 5, lossGemodel: '1,2' }, /two loss models: netem takes one/],
      [{ lossGemodel: '1,2,3,4,5' }, /takes 1 to 4 percentages, p\[,r\[,1-h\[,1-k\]\]\]/],
      [{ lossGemodel: '1,200' }, /^--loss-gemodel .*percentage from 0 to 100.*not "200"/],
      [{ ms: 10, jitter: '5 ms' }, /^--jitter .*a bare number is milliseconds.*not "5 ms"$/],
      [{ ms: 10, jitter: '5min' }, /^--jitter .*not "5min"$/],
      [{ ms: 10, jitter: '0ms' }, /^--jitter .*from 1us to 60s/],
      [{ ms: 10, jitter: '0.5us' }, /^--jitter .*from 1us to 60s/],
      [{ ms: 10, reorder: 5, gap: 0 }, /^--gap .*whole number from 1 to 4294967295, not 0$/],
      [{ ms: 10, limit: 1.5 }, /^--limit .*whole number/],
      [{ ms: 0 }, /^--ms .*a time from 1us to 60s/],
      [{ rate: 'fast' }, /rate "fast" must be a number and one of tc's units/],
    ];
    for (const [asked, pattern] of refused)
      assert.throws(
        () => netemSettings(asked),
        (error: Error) => error.name === 'BadInput' && pattern.test(error.message),
        JSON.stringify(asked),
      );
  });

  test("an experiment's net.delay arguments are checked the same way, before anything runs", () => {
    const refused = (args: Record<string, unknown>, pattern: RegExp) =>
      assert.throws(
        () => checkArguments('net', 'delay', { lab: 'lab', host: 'a', ...args } as never, activity),
        (error: Error) => error instanceof InvalidActivity && pattern.test(error.message),
        JSON.stringify(args),
      );
    refused({ reorder: 25 }, /reorder.*needs a delay/);
    refused({ ms: 100, distribution: 'pareto' }, /distribution.*give --jitter \("jitter" in an experiment\)/);
    refused({ ms: 100, loss: 150 }, /loss.*0 to 100/);
    refused({ ms: 100, jiter: 10 }, /argument 'jiter' is not accepted \(did you mean 'jitter'\?\)/);
    checkArguments(
      'net',
      'delay',
      {
        lab: 'lab',
        host: 'a',
        ms: '100',
        jitter: '10ms',
        distribution: 'normal',
        loss: '1%',
        gap: 5,
        reorder: 10,
      },
      activity,
    );
  });

  test('the CLI refuses a bad netem setting with exit 2 before looking for the lab; a good one gets that far', async () => {
    const bad = await runCli(['net', 'delay', 'nolab', 'a', '--reorder', '25']);
    assert.deepEqual(bad, {
      code: 2,
      stdout: '',
      stderr:
        'faultline: --reorder ("reorder" in an experiment) sends some packets at once while the rest wait, so netem needs a delay: give --ms ("ms" in an experiment) too\n',
    });
    const percent = await runCli(['net', 'delay', 'nolab', 'a', '--ms', '10', '--duplicate', '101']);
    assert.equal(percent.code, 2);
    assert.match(
      percent.stderr,
      /--duplicate \("duplicate" in an experiment\) must be a percentage from 0 to 100/,
    );
    const good = await runCli([
      ...['net', 'delay', 'nolab', 'a', '--ms', '10', '--jitter', '2MS', '--distribution', 'normal'],
      ...['--loss', '1%', '--reorder', '5', '--gap', '3', '--rate', '1Mbit', '--limit', '100'],
    ]);
    assert.equal(good.code, 2);
    assert.match(good.stderr, /^faultline: there is no lab nolab/);
  });
});
