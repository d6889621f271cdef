import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseServerSeed } from '../src/cli/seed-option.js';
import { createRandom } from '../src/model/random.js';
import { foldSeed, SEED_MAX } from '../src/model/seed-fold.js';
import { createEngine } from '../src/proxy/engine.js';

test('--seed takes any int64 as Toxiproxy does; 0 to 2^31-1 are used as given, others folded the same way each time', () => {
  // Folded values worked out apart from the code (SplitMix64's finaliser, low 31 bits).
  assert.deepEqual(
    [
      '0',
      '9',
      '2147483647',
      '042',
      '+7',
      '-1',
      '2147483648',
      '1700000000000000000',
      '-9223372036854775808',
      '9223372036854775807',
    ].map((value) => parseServerSeed(value)),
    [
      { given: '0', seed: 0 },
      { given: '9', seed: 9 },
      { given: '2147483647', seed: 2147483647 },
      { given: '34', seed: 34 },
      { given: '7', seed: 7 },
      { given: '-1', seed: 1925954939 },
      { given: '2147483648', seed: 140016799 },
      { given: '1700000000000000000', seed: 1685083134 },
      { given: '-9223372036854775808', seed: 2043586954 },
      { given: '9223372036854775807', seed: 2036719293 },
    ],
  );
});

test("--seed outside int64, or not a whole number, is refused in the words of Go's flag package, then the range", () => {
  for (const [value, why] of [
    ['9223372036854775808', 'value out of range'],
    ['-9223372036854775809', 'value out of range'],
    ['12345678901234567890', 'value out of range'],
    ['1.5', 'parse error'],
    ['1e3', 'parse error'],
    ['', 'parse error'],
    ['abc', 'parse error'],
    [' 42 ', 'parse error'],
  ]) {
    assert.throws(() => parseServerSeed(value!), {
      message: `invalid value ${JSON.stringify(value)} for flag -seed: ${why}\n-seed (--seed) takes a whole number from -9223372036854775808 to 9223372036854775807, as toxiproxy-server reads it (Go's strconv.ParseInt): 42, -7, 0x2a, 0o52, 0b101010, 052 (a leading 0 is octal), 1_000_000\n(run "faultline server --help" for usage)`,
    });
  }
});

test('createEngine folds a seed as --seed does: 2 ** 32 and -1 do not replay seed 0', () => {
  for (const seed of [0, 42, 2 ** 31 - 1, 2 ** 31, 2 ** 32, -1, Number.MAX_SAFE_INTEGER]) {
    const engine = createEngine({ seed });
    try {
      assert.equal(engine.seed, parseServerSeed(String(seed)).seed, `seed ${seed}`);
    } finally {
      engine.close();
    }
  }
  const draws = (seed: number) => [1, 2, 3].map(() => createRandom(seed).fork('proxy').next());
  assert.notDeepEqual(draws(2 ** 32), draws(0));
  assert.deepEqual(draws(2 ** 32), draws(parseServerSeed(String(2 ** 32)).seed));
});

test('createEngine refuses a seed that is not a safe integer, saying what it takes', () => {
  for (const seed of [1.5, Number.NaN, Infinity, 2 ** 53]) {
    assert.throws(() => createEngine({ seed }), {
      name: 'RangeError',
      message: `seed must be a whole number from -9007199254740991 to 9007199254740991, received ${String(seed)}; give an integer such as 42`,
    });
  }
});

test('foldSeed keeps 0 and 2^31-1 as they are and folds the numbers just outside', () => {
  assert.equal(foldSeed(0), 0);
  assert.equal(foldSeed(SEED_MAX), SEED_MAX);
  assert.notEqual(foldSeed(-1), 1);
  assert.notEqual(foldSeed(SEED_MAX + 1), 0);
});
