import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InvalidArgumentError } from 'commander';
import { integer } from '../src/cli/integer-option.js';

describe('whole-number flags', () => {
  const pid = integer('--pid', 1, 2 ** 22);

  test('take decimal digits', () => {
    assert.equal(pid('4711'), 4711);
    assert.equal(pid('007'), 7);
  });

  // Number() reads these too: --pid 0x10 signalled pid 16, and --pid 1e3 pid 1000.
  for (const written of ['0x10', '1e3', '0b11', '0o7', ' 5', '5 ', '1_000', '+5', '5.0']) {
    test(`refuse ${JSON.stringify(written)}, which is not written in decimal digits`, () => {
      assert.throws(
        () => pid(written),
        (error: unknown) =>
          error instanceof InvalidArgumentError &&
          error.message === `--pid must be a whole number from 1 to 4194304, received "${written}".`,
      );
    });
  }
});
