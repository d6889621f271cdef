import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseServerSeed } from '../src/cli/seed-option.js';

test('--seed takes any int64 as Toxiproxy does; 0 to 2^31-1 are used as given, others folded the same way each time', () => {
  // Folded values worked out apart from the code (SplitMix64's finaliser, low 31 bits).
  assert.deepEqual(
    [
      '0',
      '9',
      '2147483647',
      ' 42 ',
      '+7',
      '-1',
      '2147483648',
      '1700000000000000000',
      '-9223372036854775808',
      '9223372036854775807',
    ].map(parseServerSeed),
    [
      { given: '0', seed: 0 },
      { given: '9', seed: 9 },
      { given: '2147483647', seed: 2147483647 },
      { given: '42', seed: 42 },
      { given: '7', seed: 7 },
      { given: '-1', seed: 1925954939 },
      { given: '2147483648', seed: 140016799 },
      { given: '1700000000000000000', seed: 1685083134 },
      { given: '-9223372036854775808', seed: 2043586954 },
      { given: '9223372036854775807', seed: 2036719293 },
    ],
  );
});

test('--seed outside int64, or not a whole number, is refused with the range', () => {
  for (const value of [
    '9223372036854775808',
    '-9223372036854775809',
    '1.5',
    '1e3',
    '',
    'abc',
    '0x10',
    '12345678901234567890',
  ]) {
    assert.throws(() => parseServerSeed(value), {
      message: `--seed must be a whole number from -9223372036854775808 to 9223372036854775807 (Toxiproxy's int64), received "${value}".`,
    });
  }
});
