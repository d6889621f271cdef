import assert from 'node:assert/strict';
import { test } from 'node:test';
import { goParseInt64 } from '../src/cli/go-parse-int.js';
import { runCli, spawnCli } from './helpers.js';

// toxiproxy-server reads -seed with Go's flag.Int64, that is strconv.ParseInt(s, 0, 64); faultline
// took decimal digits alone (and read "010" as ten where Go reads eight), and trimmed spaces.

test("goParseInt64 reads what Go's strconv.ParseInt(s, 0, 64) reads, and refuses what it refuses", () => {
  const read: Array<[string, bigint]> = [
    ['0', 0n],
    ['-0', 0n],
    ['+42', 42n],
    ['010', 8n],
    ['0o17', 15n],
    ['0O17', 15n],
    ['0x2a', 42n],
    ['0X2A', 42n],
    ['-0x10', -16n],
    ['0b101', 5n],
    ['0B101', 5n],
    ['1_000_000', 1_000_000n],
    ['0x_1_2', 0x12n],
    ['0_7', 7n],
    ['9223372036854775807', 2n ** 63n - 1n],
    ['-9223372036854775808', -(2n ** 63n)],
    ['0x7fffffffffffffff', 2n ** 63n - 1n],
    ['-0x8000000000000000', -(2n ** 63n)],
  ];
  for (const [text, value] of read) assert.equal(goParseInt64(text), value, text);
  const refused: Array<[string, string]> = [
    ['', 'parse error'],
    ['+', 'parse error'],
    ['-', 'parse error'],
    ['+-1', 'parse error'],
    [' 1', 'parse error'],
    ['1 ', 'parse error'],
    ['08', 'parse error'],
    ['0x', 'parse error'],
    ['0b', 'parse error'],
    ['0b2', 'parse error'],
    ['0xg', 'parse error'],
    ['1.0', 'parse error'],
    ['1e3', 'parse error'],
    ['_1', 'parse error'],
    ['1_', 'parse error'],
    ['1__2', 'parse error'],
    ['0x1_', 'parse error'],
    ['0x__1', 'parse error'],
    ['9223372036854775808', 'value out of range'],
    ['-9223372036854775809', 'value out of range'],
    ['0x8000000000000000', 'value out of range'],
    ['18446744073709551616', 'value out of range'],
    // Go's ParseUint stops at the digit that overflows, before it reads the rest.
    ['99999999999999999999x', 'value out of range'],
  ];
  for (const [text, why] of refused) assert.equal(goParseInt64(text), why, JSON.stringify(text));
});

test('faultline server -seed 0x2a and -seed 010 run with the seeds Go reads, 42 and 8', async () => {
  for (const [given, seed] of [
    ['0x2a', 42],
    ['010', 8],
  ] as const) {
    const cli = spawnCli(['server', '--port', '0', '-seed', given], { FAULTLINE_SEED: '' });
    await new Promise<void>((resolve, reject) => {
      cli.child.stderr!.on('data', () => {
        if (/listening on /.test(cli.output().stderr)) resolve();
      });
      void cli.done.then(({ stderr }) => reject(new Error(`exited: ${stderr}`)));
    });
    assert.match(cli.output().stderr, new RegExp(`\\(seed ${seed}\\)\\n`));
    process.kill(cli.child.pid!, 'SIGTERM');
    assert.equal((await cli.done).code, 0);
  }
});

test(
  "a bad -seed is refused with the line Go's flag package prints, exit 2; a bad FAULTLINE_SEED names the variable",
  { timeout: 20_000 },
  async () => {
    const flag = await runCli(['server', '--port', '0', '-seed', 'x']);
    assert.equal(flag.code, 2, flag.stderr);
    assert.match(
      flag.stderr,
      /^faultline: invalid value "x" for flag -seed: parse error\n-seed \(--seed\) takes a whole number/,
    );
    assert.match(flag.stderr, /\n\(run "faultline server --help" for usage\)\n$/);
    const range = await runCli(['server', '--port', '0', '--seed=9223372036854775808']);
    assert.equal(range.code, 2, range.stderr);
    assert.match(
      range.stderr,
      /^faultline: invalid value "9223372036854775808" for flag -seed: value out of range\n/,
    );
    const env = await runCli(['server', '--port', '0'], { FAULTLINE_SEED: '4 2' });
    assert.equal(env.code, 2, env.stderr);
    assert.match(
      env.stderr,
      /^faultline: invalid value "4 2" for FAULTLINE_SEED: parse error\n.*; unset FAULTLINE_SEED for a random seed\n/,
    );
  },
);
