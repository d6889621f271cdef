import assert from 'node:assert/strict';
import { test } from 'node:test';
import { integer } from '../src/cli/integer-option.js';

const port = integer('--port', 0, 65535);

test('a whole-number flag takes decimal digits, with a sign or spaces around them', () => {
  assert.deepEqual(['0', '8474', ' 42 ', '+7', '65535'].map(port), [0, 8474, 42, 7, 65535]);
});

test('an empty value is refused, not read as 0 (an unset --port "$PORT" would pick a random port)', () => {
  for (const value of ['', ' ', '\t']) {
    assert.throws(() => port(value), {
      message: `--port must be a whole number from 0 to 65535, received "${value}".`,
    });
  }
});

test('hexadecimal, binary, octal, exponents and fractions are refused, not converted', () => {
  for (const value of ['0x10', '0b11', '0o7', '1e3', '1.5', '1_000', 'Infinity', '8474abc', '--1']) {
    assert.throws(() => port(value), { message: new RegExp(`received "${value}"`) }, value);
  }
});

test('a pid written in hexadecimal or with an exponent is refused, not signalled as another pid', () => {
  const pid = integer('--pid', 1, 2 ** 22);
  assert.equal(pid('007'), 7);
  // Number() reads these too: --pid 0x10 signalled pid 16, and --pid 1e3 pid 1000.
  for (const written of ['0x10', '1e3', '0b11', '0o7', '1_000', '5.0']) {
    assert.throws(
      () => pid(written),
      { message: `--pid must be a whole number from 1 to 4194304, received "${written}".` },
      written,
    );
  }
});
