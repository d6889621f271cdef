import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseFsFault } from '../src/model/fault-fs.js';
import { goValueKind } from '../src/model/fields.js';
import { checkName } from '../src/model/names.js';
import { parseWhen } from '../src/model/when.js';

const enabledModule = new URL('../src/inject/enabled.js', import.meta.url).href;
let loads = 0;

/** The switch is read when the module loads, so each value gets a fresh instance of it. */
async function switchWith(value: string | undefined): Promise<boolean> {
  const saved = process.env.FAULTLINE_INJECT;
  if (value === undefined) delete process.env.FAULTLINE_INJECT;
  else process.env.FAULTLINE_INJECT = value;
  try {
    loads += 1;
    const { faultsEnabled } = (await import(`${enabledModule}?load=${loads}`)) as {
      faultsEnabled(override?: boolean): boolean;
    };
    return faultsEnabled();
  } finally {
    if (saved === undefined) delete process.env.FAULTLINE_INJECT;
    else process.env.FAULTLINE_INJECT = saved;
  }
}

describe('FAULTLINE_INJECT', () => {
  test('1, true, on and yes switch faults on, in any case and with spaces around', async () => {
    for (const value of ['1', 'true', 'on', 'yes', ' YES ', 'True', 'ON']) {
      assert.equal(await switchWith(value), true, JSON.stringify(value));
    }
  });

  test('anything else, empty or unset, leaves them off', async () => {
    for (const value of [undefined, '', ' ', '0', 'false', 'off', 'no', '2', 'enabled']) {
      assert.equal(await switchWith(value), false, JSON.stringify(value));
    }
  });

  test('an explicit override wins over the environment either way', async () => {
    const { faultsEnabled } = (await import(`${enabledModule}?load=override`)) as {
      faultsEnabled(override?: boolean): boolean;
    };
    assert.equal(faultsEnabled(true), true);
    assert.equal(faultsEnabled(false), false);
  });
});

describe('names', () => {
  test('letters, digits and _ . : - pass; the limit is inclusive', () => {
    assert.equal(checkName('redis:6379_a-b.c', 'proxy name', 16), 'redis:6379_a-b.c');
    assert.equal(checkName('x'.repeat(255), 'proxy name', 255), 'x'.repeat(255));
  });

  test('one character over the limit is refused with the length and the flag', () => {
    assert.throws(() => checkName('a'.repeat(256), 'proxy name', 255), {
      code: 'FAULTLINE_ERR_INVALID_FIELD',
      reason: 'name too long',
      hint: `the proxy name is 256 characters long (starting "${'a'.repeat(40)}"); the limit is 255 (server option --max-name-length)`,
    });
  });

  test('a character outside the set is refused, wherever it stands, with or without a limit', () => {
    for (const name of ['a b', '/x', 'x/', 'a%b', 'é', '\u001b[31m', '']) {
      assert.throws(() => checkName(name, 'toxic name'), {
        reason: 'invalid name',
        hint: `the toxic name ${JSON.stringify(name)} may contain only letters, digits, "_", ".", ":" and "-" (Toxiproxy 2.12 takes any name, but one with "/" can never be addressed, and a space or an escape sequence prints as something else)`,
      });
    }
  });
});

describe('fs fault entries', () => {
  const where = 'fs fault 1';
  test('a full entry passes as written', () => {
    const fault = {
      name: 'n',
      syscall: 'write',
      errno: 'EIO',
      path: '\\.log$',
      when: '2+',
      delay: 3_600_000,
    };
    assert.deepEqual(parseFsFault(fault, where), fault);
  });

  test('errno must be a whole errno name', () => {
    for (const errno of ['eio', 'XEIO', 'EIOx', 'E', 'E-IO']) {
      assert.throws(() => parseFsFault({ syscall: 'write', errno }, where), {
        reason: 'invalid errno in fs fault 1',
        hint: `an errno name such as EIO, ENOSPC or EACCES, received ${JSON.stringify(errno)}`,
      });
    }
  });

  test('a missing errno says what an fs fault needs: a delay alone is no fault', () => {
    for (const fault of [{ syscall: 'write', delay: 200 }, { syscall: 'write' }]) {
      assert.throws(() => parseFsFault(fault, where), {
        code: 'FAULTLINE_ERR_MISSING_FIELD',
        reason: 'missing errno in fs fault 1',
        hint: 'an fs fault fails the call with an errno such as EIO, ENOSPC or EACCES; a delay holds the call before it fails, and is not a fault alone',
      });
    }
    assert.throws(() => parseFsFault({ syscall: 'write', errno: undefined }, where), {
      reason: 'invalid errno in fs fault 1',
    });
    assert.throws(() => parseFsFault({ syscall: 'nope' }, where), {
      reason: 'invalid syscall in fs fault 1',
    });
  });

  test('a misspelt key is named as unknown, not reported as the field it left missing', () => {
    assert.throws(() => parseFsFault({ syscal: 'write', errno: 'EIO' }, where), {
      code: 'FAULTLINE_ERR_UNKNOWN_FIELD',
      reason: 'unknown field "syscal" in fs fault 1',
      hint: 'accepted keys: name, syscall, errno, path, when, delay; did you mean "syscall"?',
    });
    assert.throws(() => parseFsFault({ errno: 'EIO' }, where), {
      code: 'FAULTLINE_ERR_INVALID_FIELD',
      reason: 'invalid syscall in fs fault 1',
    });
  });

  test('empty strings, a delay past an hour, a bad path pattern and a bad when are refused', () => {
    const refused = (extra: object, reason: RegExp) =>
      assert.throws(
        () => parseFsFault({ syscall: 'write', errno: 'EIO', ...extra }, where),
        (error: Error) => reason.test(error.message),
      );
    refused({ name: '' }, /^invalid name in fs fault 1: /);
    refused({ path: '' }, /^invalid path in fs fault 1: /);
    refused({ when: '' }, /^invalid when in fs fault 1: /);
    refused({ delay: 3_600_001 }, /^invalid delay in fs fault 1: Too big: expected number to be <=3600000/);
    refused({ delay: -1 }, /^invalid delay in fs fault 1: Too small: expected number to be >=0/);
    refused({ path: '(' }, /^path in fs fault 1: invalid pattern "\(":/);
    refused({ when: '0' }, /^invalid when "0": use N/);
  });
});

describe('when', () => {
  test('a step of 0 and a range that ends before it starts are refused, each with its own reason', () => {
    assert.throws(() => parseWhen('2+0'), {
      code: 'FAULTLINE_ERR_INVALID_FIELD',
      message: 'invalid when "2+0": the step after + must be 1 or more',
    });
    assert.throws(() => parseWhen('5..3'), { message: 'invalid when "5..3": 3 comes before 5' });
    assert.throws(() => parseWhen('0..3'), {
      message:
        'invalid when "0..3": use N (only the Nth call), N+ (the Nth and later), N+S (every Sth from the Nth) or N..M',
    });
  });

  test('a one-call range, spaces around, and a step select exactly their calls', () => {
    const selected = (expression: string) => [1, 2, 3, 4, 5, 6, 7].filter(parseWhen(expression));
    assert.deepEqual(selected('3..3'), [3]);
    assert.deepEqual(selected(' 2 '), [2]);
    assert.deepEqual(selected('2+3'), [2, 5]);
    assert.deepEqual(selected('6+'), [6, 7]);
    assert.deepEqual([1, 11, 12, 21, 31].filter(parseWhen('1+10')), [1, 11, 21, 31], 'a step of two digits');
    assert.deepEqual([9, 10, 11, 12, 13].filter(parseWhen('10..12')), [10, 11, 12], 'bounds of two digits');
  });
});

describe("Go's names for JSON values", () => {
  test('each JSON kind as encoding/json prints it', () => {
    assert.equal(goValueKind(null, 'string'), 'null');
    assert.equal(goValueKind(true, 'string'), 'bool');
    assert.equal(goValueKind('x', 'int64'), 'string');
    assert.equal(goValueKind([1], 'string'), 'array');
    assert.equal(goValueKind({}, 'string'), 'object');
    assert.equal(goValueKind(1.5, 'int64'), 'number 1.5');
    assert.equal(goValueKind(7, 'uint32'), 'number 7');
    assert.equal(goValueKind(7, 'float64'), 'number');
    assert.equal(goValueKind(7, 'string'), 'number');
  });
});
