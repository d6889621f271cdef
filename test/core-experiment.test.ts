import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { silentLog } from '../src/experiment/console.js';
import { type LedgerEntry, noLedger } from '../src/experiment/ledger.js';
import { describeEntry, undo, undoEntries } from '../src/experiment/rollback.js';
import { type RunOptions, startExperiment } from '../src/experiment/run.js';
import { decimalWithin } from '../src/experiment/python-decimal.js';
import { PythonRegexError, pythonRegex } from '../src/experiment/python-regex.js';
import { withinTolerance } from '../src/experiment/tolerance.js';
import { validateExperiment } from '../src/experiment/validate.js';
import type { Json } from '../src/model/experiment.js';
import { experiment, fixtures, js, names, run } from './experiment-helpers.js';
import { startEchoServer, startHarness } from './helpers.js';

const check = (tolerance: unknown, value: unknown) =>
  withinTolerance(tolerance as Json, value, {}, async () => {
    throw new Error('no probe tolerance in these tests');
  });

describe('tolerance bounds are inclusive at both ends', () => {
  test('range: low and high match, just outside does not', async () => {
    const range = { type: 'range', range: [200, 299] };
    const cases: Array<[unknown, boolean]> = [
      [199, false],
      [199.5, false],
      [200, true],
      [250, true],
      [299, true],
      [299.5, false],
      [300, false],
      ['299', true],
      ['300', false],
      ['  ', false],
    ];
    for (const [value, expected] of cases) {
      assert.equal(await check(range, value), expected, `range [200, 299] with ${JSON.stringify(value)}`);
    }
  });

  test('range with a target reads the named field', async () => {
    const range = { type: 'range', range: [200, 299], target: 'status' };
    assert.equal(await check(range, { status: 299 }), true);
    assert.equal(await check(range, { status: 300 }), false);
    await assert.rejects(check({ type: 'range', range: [0, 1] }, { status: 0 }), {
      name: 'TypeError',
      message: /^range tolerance needs a number, got dict; set "target"/,
    });
  });

  test('a two-element list is an inclusive range for a plain value', async () => {
    const cases: Array<[unknown, boolean]> = [
      [0.99, false],
      [1, true],
      [5, true],
      [5.01, false],
    ];
    for (const [value, expected] of cases) {
      assert.equal(await check([1, 5], value), expected, `[1, 5] with ${value}`);
    }
  });

  test('a list against a status is membership, so the ends match and the middle does not', async () => {
    assert.equal(await check([200, 204], { status: 200 }), true);
    assert.equal(await check([200, 204], { status: 204 }), true);
    assert.equal(await check([200, 204], { status: 202 }), false);
  });

  test('a list of three or more is membership', async () => {
    assert.equal(await check([1, 3, 5], 5), true);
    assert.equal(await check([1, 3, 5], 4), false);
  });

  test('regex: Python named groups and back-references; a missing pattern matches anything', async () => {
    assert.equal(await check({ type: 'regex', pattern: '(?P<d>\\d)-(?P=d)' }, '4-4'), true);
    assert.equal(await check({ type: 'regex', pattern: '(?P<d>\\d)-(?P=d)' }, '4-5'), false);
    assert.equal(await check({ type: 'regex', pattern: '(?P<word>ab)(?P=word)' }, 'abab'), true);
    assert.equal(await check({ type: 'regex' }, 'anything'), true);
    await assert.rejects(check({ type: 'regex', pattern: 'x', target: 'stdout' }, 'plain'), {
      name: 'TypeError',
      message: '"target": "stdout" needs an object output, got str',
    });
  });

  test('jsonpath: count is compared as Python compares it, whatever its type', async () => {
    assert.equal(await check({ type: 'jsonpath', path: '$.a', count: '1' }, { a: 1 }), false);
    assert.equal(await check({ type: 'jsonpath', path: '$.a', count: true }, { a: 1 }), true);
    assert.equal(await check({ type: 'jsonpath', path: '$.a', count: null }, { a: 1 }), true);
    assert.equal(await check({ type: 'jsonpath', path: '$.b', count: null }, { a: 1 }), false);
  });

  test('jsonpath: no match fails, count 0 passes only without matches, JSON text is parsed', async () => {
    assert.equal(await check({ type: 'jsonpath', path: '$.nope' }, { a: 1 }), false);
    assert.equal(await check({ type: 'jsonpath', path: '$.nope', count: 0 }, { a: 1 }), true);
    assert.equal(await check({ type: 'jsonpath', path: '$.a', count: 0 }, { a: 1 }), false);
    assert.equal(await check({ type: 'jsonpath', path: '$.a', expect: 1 }, '{"a": 1}'), true);
    assert.equal(await check({ type: 'jsonpath', path: '$.a', expect: 1 }, 'not json'), false);
  });

  test('range: null and objects are refused, an empty string and NaN text are out of range', async () => {
    await assert.rejects(check({ type: 'range', range: [0, 1] }, null), {
      name: 'TypeError',
      message: /^range tolerance needs a number, got NoneType/,
    });
    assert.equal(await check({ type: 'range', range: [0, 1] }, ''), false);
    assert.equal(await check({ type: 'range', range: [-1, 1] }, ' 0 '), true);
    for (const nan of ['NaN', 'nan', '-nan', 'sNaN', 'nan12']) {
      await assert.rejects(check({ type: 'range', range: [0, 1] }, nan), {
        name: 'TypeError',
        message: `range tolerance cannot order NaN (${JSON.stringify(nan)})`,
      });
    }
  });

  test("range compares exactly, as Python's Decimal: text against the float a bound really is", async () => {
    const cases: Array<[[number, number], unknown, boolean]> = [
      [[0.1, 0.2], '0.1', false], // Decimal(0.1) is 0.1000000000000000055..., above the text 0.1
      [[0.1, 0.2], 0.1, true],
      [[0.1, 0.2], '0.2', true], // Decimal(0.2) is 0.2000000000000000111...
      [[0.1, 0.2], '0.2000000000000000111', true],
      [[0.1, 0.2], '0.2000000000000000112', false],
      [[1, 10], '1_0', true],
      [[1, 10], '1__0', true], // Decimal drops every underscore
      [[1, 10], '_1', true],
      [[1, 10], '_', false],
      [[1, 10], '5.', true],
      [[0, 1], '.5', true],
      [[0, 1], '.', false],
      [[0, 1], 'e1', false],
      [[0, 100], '1e2', true],
      [[0, 100], '1E+2', true],
      [[0, 100], '1e3', false],
      [[0, 100], '-0', true],
      [[0, 100], '+7', true],
      [[0, 100], '0x10', false],
      [[0, 1e308], 'inf', false],
      [[-1e308, 0], '-Infinity', false],
      [[0, 1e308], '1e999', false],
      [[0, 1], '1e-999', true],
      [[0, 1], '-1e-999', false],
      [[-1, 0], '-1e-999', true],
      [[0, 1], '0e999999', true],
      [[0, 1e-300], 1e-320, true],
      [[1e-300, 1], 1e-320, false],
      [[0, 2], true, true],
      [[1, 2], false, false],
      [[-5, -1], -3, true],
      [[-5, -1], '-5.0000', true],
      [[-5, -1], '-5.0001', false],
    ];
    for (const [range, value, expected] of cases) {
      assert.equal(
        await check({ type: 'range', range }, value),
        expected,
        `${JSON.stringify(value)} in ${JSON.stringify(range)}`,
      );
    }
  });

  test("range bounds of YAML's .inf and -.inf: Decimal's infinities, past every finite value", () => {
    // Expected values are CPython 3.11's Decimal(low) <= Decimal(value) <= Decimal(high).
    const cases: Array<[string | number, number, number, boolean]> = [
      ['-1e999', -Infinity, 0, true],
      ['-1e999', -1e308, 0, false],
      ['1e999', 0, Infinity, true],
      ['-inf', -Infinity, 0, true],
      ['inf', 0, Infinity, true],
      ['Inf', 0, Infinity, true],
      ['+INFINITY', 0, Infinity, true],
      [Infinity, 0, Infinity, true],
      [-Infinity, -Infinity, 0, true],
      [Infinity, 0, 1e308, false],
      [Infinity, -Infinity, Infinity, true],
    ];
    for (const [value, low, high, expected] of cases) {
      assert.equal(decimalWithin(value, low, high), expected, `${String(value)} in [${low}, ${high}]`);
    }
  });

  test('range reads long and scaled decimal text exactly', () => {
    const cases: Array<[string | number, number, number, boolean]> = [
      [`${'0'.repeat(500)}1`, 0, 2, true], // leading zeros do not make a number large
      ['5e-1', 0, 1, true],
      ['5e-1', 0, 0.4, false],
      ['0e-999999', -1, 0, true],
      ['1e-999', 0, 5e-324, true],
      ['-0.5', -0.5, 0, true],
      ['0.5', 0.5, 0.5, true],
      [0.5, 0.5, 0.5, true],
      ['-0.0', 0, 0, true],
      ['1.5e2', 150, 150, true],
      ['15E1', 150, 150, true],
      ['1500e-1', 150, 150, true],
      // The double nearest 12345678901234567890 is 12345678901234567168 exactly.
      ['12345678901234567890', 0, 12345678901234567168, false],
      ['12345678901234567168', 12345678901234567168, 12345678901234567168, true],
      ['12345678901234567169', 0, 12345678901234567168, false],
    ];
    for (const [value, low, high, expected] of cases) {
      assert.equal(decimalWithin(value, low, high), expected, `${String(value)} in [${low}, ${high}]`);
    }
  });

  test('an object tolerance of unknown type never passes, nor does a non-object', async () => {
    assert.equal(await check({ type: 'sometimes' }, 1), false);
    assert.equal(await check(null, null), false);
  });
});

describe("regex tolerances are Python's re.search", () => {
  // Each row: pattern, then [subject, does Python's re.search find it] pairs (checked against
  // CPython 3.11's re when written).
  const rows: Array<[string, Array<[string, boolean]>]> = [
    [
      '^ok$',
      [
        ['ok\n', true],
        ['ok\n\n', false],
        ['ok', true],
        ['ok\r\n', false],
      ],
    ],
    [
      'hello$',
      [
        ['hello\n', true],
        ['hello\nx', false],
      ],
    ],
    [
      '(?m)^b$',
      [
        ['a\nb\nc', true],
        ['a\rb', false],
        ['a\u2028b', false],
      ],
    ],
    ['^b', [['a\nb', false]]],
    ['(?i)ell', [['HELLO', true]]],
    [
      'a.b',
      [
        ['a\nb', false],
        ['a\rb', true],
        ['a\u2028b', true],
        ['axb', true],
      ],
    ],
    ['(?s)a.b', [['a\nb', true]]],
    [
      '(?s:a.b)c',
      [
        ['a\nbc', true],
        ['a\nb', false],
      ],
    ],
    [
      '(?x) h e l  # a comment',
      [
        ['hello', true],
        ['h e l', false],
      ],
    ],
    [
      '(?x)a\\ b[ ]c',
      [
        ['a b c', true],
        ['abc', false],
      ],
    ],
    [
      '\\Ahel',
      [
        ['hello', true],
        ['xhello', false],
      ],
    ],
    [
      'llo\\Z',
      [
        ['hello', true],
        ['hello\n', false],
      ],
    ],
    [
      '^\\d+$',
      [
        ['\u0663\u0664', true],
        ['12', true],
        ['1a', false],
      ],
    ],
    [
      '(?a)^\\d+$',
      [
        ['\u0663\u0664', false],
        ['12', true],
      ],
    ],
    [
      '^\\w+$',
      [
        ['café', true],
        ['snake_case', true],
        ['\u2160', true],
        ['a-b', false],
      ],
    ],
    ['(?a)^\\w+$', [['café', false]]],
    [
      '\\s',
      [
        ['\x1c', true],
        ['\x85', true],
        ['\ufeff', false],
        ['\u00a0', true],
        ['x', false],
      ],
    ],
    [
      '\\bfoo\\b',
      [
        ['foo bar', true],
        ['éfoo', false],
        ['xfoo', false],
      ],
    ],
    [
      '\\Bfoo',
      [
        ['xfoo', true],
        ['foo', false],
      ],
    ],
    [
      '(?P<x>ab)(?P=x)',
      [
        ['abab', true],
        ['abba', false],
      ],
    ],
    [
      '(a)(b)\\2',
      [
        ['abb', true],
        ['aba', false],
      ],
    ],
    ['(?P<x>ell)(?P=x)?', [['hello', true]]],
    [
      '^(a)\\1*$',
      [
        ['aaa', true],
        ['aab', false],
      ],
    ],
    [
      '^a(?#c)*b$',
      [
        ['aaab', true],
        ['b', true],
      ],
    ],
    ['(?s)(?-s:.)', [['\n', false]]],
    ['(?m)(?-m:^b)', [['a\nb', false]]],
    ['(?x)(?-x:a b)', [['a b', true]]],
    ['(?x)a # c\nb', [['ab', true]]],
    ['[\\101-\\103]', [['B', true]]],
    ['[\\1]', [['\x01', true]]],
    ['(?m:^b)', [['a\nb', true]]],
    ['(?a:\\w)', [['é', false]]],
    ['[\\x41-\\x43]+', [['ABC', true]]],
    ['a{,2}b', [['b', true]]],
    [
      '^a{2,}$',
      [
        ['aa', true],
        ['a', false],
      ],
    ],
    [
      'x{}',
      [
        ['x{}', true],
        ['x', false],
      ],
    ],
    ['{foo}', [['{foo}', true]]],
    ['a{', [['a{', true]]],
    [
      '[]a]',
      [
        [']', true],
        ['b', false],
      ],
    ],
    [
      '[^]a]',
      [
        [']', false],
        ['b', true],
      ],
    ],
    ['^[a-]+$', [['a-a', true]]],
    ['[\\w.-]+@', [['user.name-x@host', true]]],
    [
      '^[\\W]$',
      [
        ['!', true],
        ['é', false],
      ],
    ],
    [
      '^[^\\d\\s]$',
      [
        ['1', false],
        [' ', false],
        ['x', true],
      ],
    ],
    [
      '[\\b]',
      [
        ['\b', true],
        ['b', false],
      ],
    ],
    ['\\x41\\u00e9\\U0001F600', [['Aé😀', true]]],
    ['^\\101\\0$', [['A\0', true]]],
    ['a\\-b\\:c\\"', [['a-b:c"', true]]],
    ['\\$\\{x\\}', [['${x}', true]]],
    [
      '(?#a comment)x',
      [
        ['x', true],
        ['(?#a comment)x', true],
      ],
    ],
    [
      '(?<=a)b',
      [
        ['ab', true],
        ['cb', false],
      ],
    ],
    ['(?#c)(?i)a', [['A', true]]],
    ['(?x) (?i)a', [['A', true]]],
    ['(?x)#c\n(?i)a', [['A', true]]],
    [
      '(?s)(?m)a.^b',
      [
        ['a\nb', true],
        ['a\n\nb', false],
      ],
    ],
    [
      '(?im)^A$',
      [
        ['x\na', true],
        ['x\nb', false],
      ],
    ],
    [
      'a{2,2}b',
      [
        ['aab', true],
        ['ab', false],
      ],
    ],
    [
      'a{10}',
      [
        ['aaaaaaaaaa', true],
        ['aaaaaaaaa', false],
      ],
    ],
    [
      '^a{2,10}$',
      [
        ['aaaaaaaaaa', true],
        ['aaaaaaaaaaa', false],
        ['a', false],
      ],
    ],
    [
      'a{x,}',
      [
        ['a{x,}', true],
        ['a', false],
      ],
    ],
    [
      'a#b',
      [
        ['a#b', true],
        ['a', false],
      ],
    ],
    [
      'a b',
      [
        ['a b', true],
        ['ab', false],
      ],
    ],
    [
      '(?s:a).',
      [
        ['a\n', false],
        ['ab', true],
      ],
    ],
    [
      '(?m-s:a.)',
      [
        ['a\n', false],
        ['ab', true],
      ],
    ],
    [
      '(?m:^b)$',
      [
        ['a\nb', true],
        ['b\nc', false],
      ],
    ],
    [
      '(?ax)\\w #c',
      [
        ['é', false],
        ['e', true],
      ],
    ],
    [
      '[à-ü]+',
      [
        ['àü', true],
        ['a', false],
      ],
    ],
  ];
  for (const [pattern, subjects] of rows) {
    test(`${JSON.stringify(pattern)}`, async () => {
      for (const [subject, found] of subjects) {
        assert.equal(pythonRegex(pattern).test(subject), found, `${JSON.stringify(subject)}`);
        assert.equal(await check({ type: 'regex', pattern }, subject), found);
      }
    });
  }

  test("a pattern Python's re refuses is refused with re's message and position", () => {
    const refused: Array<[string, string]> = [
      ['a**', 'multiple repeat at position 2'],
      ['*a', 'nothing to repeat at position 0'],
      ['^*', 'nothing to repeat at position 1'],
      ['(a', 'missing ), unterminated subpattern at position 0'],
      ['a)', 'unbalanced parenthesis at position 1'],
      ['[a', 'unterminated character set at position 0'],
      ['\\q', 'bad escape \\q at position 0'],
      ['a\\', 'bad escape (end of pattern) at position 1'],
      ['(?P<1a>x)', "bad character in group name '1a' at position 4"],
      ['a{3,2}', 'min repeat greater than max repeat at position 2'],
      ['(?<name>x)', 'unknown extension ?<n at position 1'],
      ['a(?i)b', 'global flags not at the start of the expression at position 1'],
      ['[z-a]', 'bad character range z-a at position 1'],
      ['[\\w-z]', 'bad character range \\w-z at position 1'],
      ['\\x4', 'incomplete escape \\x4 at position 0'],
      ['\\400', 'octal escape value \\400 outside of range 0-0o377 at position 0'],
      ['(?L)a', "bad inline flags: cannot use 'L' flag with a str pattern at position 3"],
      ['(?P<n', 'missing >, unterminated name at position 4'],
      ['(?P=n', 'missing ), unterminated name at position 4'],
      ['(?#abc', 'missing ), unterminated comment at position 0'],
      ['\\U00110000', 'bad escape \\U00110000 at position 0'],
      ['[\\', 'bad escape (end of pattern) at position 1'],
      ['(?:x)(?s)', 'global flags not at the start of the expression at position 5'],
      ['()(?i)a', 'global flags not at the start of the expression at position 2'],
      ['((?i)a)', 'global flags not at the start of the expression at position 1'],
      ['(?Li)a', "bad inline flags: cannot use 'L' flag with a str pattern at position 3"],
      ['(?iL)a', "bad inline flags: cannot use 'L' flag with a str pattern at position 4"],
      ['(?L:a)', "bad inline flags: cannot use 'L' flag with a str pattern at position 3"],
      ['(?iL:a)', "bad inline flags: cannot use 'L' flag with a str pattern at position 4"],
      ['(?i-i:a)', 'bad inline flags: flag turned on and off at position 5'],
      ['(?im-sm:a)', 'bad inline flags: flag turned on and off at position 7'],
      ['(?s-ms:a)', 'bad inline flags: flag turned on and off at position 6'],
    ];
    for (const [pattern, message] of refused) {
      assert.throws(() => pythonRegex(pattern), { name: 'Error', message }, pattern);
    }
    assert.throws(() => pythonRegex('(a)\\2'), PythonRegexError);
  });

  test('the JavaScript written for a pattern', () => {
    const written: Array<[string, string]> = [
      ['a|b', 'a|b'],
      ['(?:a)(?=b)(?!c)(?<=d)(?<!e)', '(?:a)(?=b)(?!c)(?<=d)(?<!e)'],
      ['(?P<n>a)(?P=n)', '(?<n>a)\\k<n>'],
      ['\\A\\Z', '^$'],
      ['.', '[^\\n]'],
      ['(?s).', '[\\s\\S]'],
      ['^$', '^(?=\\n?$)'],
      ['(?m)^$', '(?:^|(?<=\\n))(?=\\n|$)'],
      ['\\d\\W', '[\\p{Nd}][^\\p{L}\\p{N}_]'],
      ['(?a)\\D\\w\\s', '[^0-9][A-Za-z0-9_][\\t-\\r\\x20]'],
      ['\\101\\0\\n', 'A\\u{0}\\u{a}'],
      ['a{2}b{,3}?c*?d+?e??', 'a{2}b{0,3}?c*?d+?e??'],
      ['x{}y{', 'x\\{\\}y\\{'],
      ['[^a-c\\w-]', '[^a-c\\p{L}\\p{N}_\\u{2d}]'],
      ['[\\S]', '[[^\\t-\\r\\x1C-\\x20\\x85\\xA0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000]]'],
      ['a(?#c)b', 'ab'],
      ['(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)(k)(l)\\12', '(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)(k)(l)\\12'],
      ['a.b-c', 'a[^\\n]b\\u{2d}c'],
    ];
    for (const [pattern, source] of written) assert.equal(pythonRegex(pattern).source, source, pattern);
    assert.equal(pythonRegex('(?i)a').flags, 'iv');
    assert.equal(pythonRegex('a').flags, 'v');
  });

  test('a repeat follows an atom, never an anchor, an alternation or a group opening (as CPython 3.11 says)', () => {
    const refused: Array<[string, string]> = [
      ['a|*b', 'nothing to repeat at position 2'],
      ['$*', 'nothing to repeat at position 1'],
      ['(?m)^*', 'nothing to repeat at position 5'],
      ['(?m)$*', 'nothing to repeat at position 5'],
      ['(*a)', 'nothing to repeat at position 1'],
      ['(?:*a)', 'nothing to repeat at position 3'],
      ['(?=*a)', 'nothing to repeat at position 3'],
      ['(?!*a)', 'nothing to repeat at position 3'],
      ['(?<=*a)', 'nothing to repeat at position 4'],
      ['(?<!*a)', 'nothing to repeat at position 4'],
      ['(?P<n>*a)', 'nothing to repeat at position 6'],
      ['(?s:*a)', 'nothing to repeat at position 4'],
      ['\\A*', 'nothing to repeat at position 2'],
      ['\\Z*', 'nothing to repeat at position 2'],
      ['\\b*', 'nothing to repeat at position 2'],
      ['\\B*', 'nothing to repeat at position 2'],
      ['(?#c)*a', 'nothing to repeat at position 5'],
      ['^(?#c)*', 'nothing to repeat at position 6'],
      ['a(?#c)**', 'multiple repeat at position 7'],
      ['a*?*', 'multiple repeat at position 3'],
      ['a{2}*', 'multiple repeat at position 4'],
    ];
    for (const [pattern, message] of refused) {
      assert.throws(() => pythonRegex(pattern), { name: 'Error', message }, pattern);
    }
    const repeated: Array<[string, string]> = [
      ['(a)*', '(a)*'],
      ['[a]*', '[a]*'],
      ['.*', '[^\\n]*'],
      ['a*', 'a*'],
      ['(?P<n>a)(?P=n)*', '(?<n>a)\\k<n>*'],
      ['\\d*', '[\\p{Nd}]*'],
      ['\\W*', '[^\\p{L}\\p{N}_]*'],
      ['(a)\\1*', '(a)\\1*'],
      ['\\101*', 'A*'],
      ['\\.*', '\\.*'],
      ['a(?#c)*', 'a*'],
    ];
    for (const [pattern, source] of repeated) assert.equal(pythonRegex(pattern).source, source, pattern);
  });

  test('what JavaScript cannot match as Python does is refused, naming it', () => {
    const refused: Array<[string, string]> = [
      [
        '(?i:a)b',
        'case-insensitivity for part of a pattern ((?i:...) or (?-i:...)); use (?i) at the start at position 0',
      ],
      ['(?>a)', 'atomic groups (?>...) at position 0'],
      ['a++', 'possessive quantifiers at position 1'],
      ['\\N{EM DASH}', 'named characters \\N{...} at position 0'],
      ['(?(1)a|b)', 'conditional groups (?(...)...) at position 0'],
    ];
    for (const [pattern, what] of refused) {
      assert.throws(
        () => pythonRegex(pattern),
        {
          message: `${what}: Python's re has it, but JavaScript cannot match it the same way, so faultline refuses it rather than check something else`,
        },
        pattern,
      );
    }
  });

  test('a pattern that becomes invalid once substituted cannot be checked', async () => {
    await assert.rejects(
      withinTolerance({ type: 'regex', pattern: '${p}' }, 'x', { p: '(' }, async () => false),
      {
        name: 'TypeError',
        message: 'regex pattern ( is invalid: missing ), unterminated subpattern at position 0',
      },
    );
  });
});

describe('tolerance details', () => {
  const scoped = (tolerance: unknown, value: unknown, scope: Record<string, unknown>) =>
    withinTolerance(tolerance as Json, value, scope, async () => {
      throw new Error('no probe tolerance in these tests');
    });

  test('only a string tolerance is substituted: list items are compared as written', async () => {
    assert.equal(await scoped(['${x}', 'a', 'b'], '${x}', { x: 'y' }), true);
    assert.equal(await scoped(['${x}', 'a', 'b'], 'y', { x: 'y' }), false);
    assert.equal(await scoped('${x}', 'y', { x: 'y' }), true);
  });

  test('range: a blank string is not 0', async () => {
    assert.equal(await check({ type: 'range', range: [-1, 1] }, '  '), false);
    assert.equal(await check({ type: 'range', range: [-1, 1] }, '0'), true);
  });

  test('jsonpath: only a string is parsed as JSON; a list is searched as it is', async () => {
    assert.equal(await check({ type: 'jsonpath', path: '$[0]', expect: 3 }, [3]), true);
    assert.equal(await check({ type: 'jsonpath', path: '$[0]', expect: 3 }, '[3]'), true);
  });

  test('jsonpath without a path: the path parser says what it expected', async () => {
    await assert.rejects(check({ type: 'jsonpath' }, { a: 1 }), {
      message: 'expected "$" at position 0 of ""',
    });
  });
});

describe('list tolerances compare values as Python does (value in tolerance, low <= value <= high)', () => {
  test('membership is by value: lists and dicts inside the tolerance match equal outputs', async () => {
    assert.equal(await check([[1, 2]], [1, 2]), true);
    assert.equal(await check([[1, 2]], [2, 1]), false);
    assert.equal(await check([[1, 2]], [1, 2, 3]), false);
    assert.equal(await check([{ a: 1 }, { b: 2 }, { c: [3] }], { c: [3] }), true);
    assert.equal(await check([{ a: 1 }, { b: 2 }, { c: [3] }], { c: [4] }), false);
    assert.equal(await check([{ a: 1 }, { b: 2 }, { c: 3 }], { a: 1, b: 2 }), false);
  });

  test('1 == 1.0 == True inside lists and dicts, but None is not 0 and a dict key must be its own', async () => {
    assert.equal(await check([{ ok: 1 }], { ok: true }), true);
    assert.equal(await check([[1.0, false]], [1, 0]), true);
    assert.equal(await check([{ ok: null }], { ok: 0 }), false);
    assert.equal(await check([{ ok: null }], { ok: undefined }), true);
    assert.equal(await check([{ toString: 1 }], { valueOf: 1 }), false);
  });

  test('a pair of lists is a range in Python list order: the first unequal item decides, then length', async () => {
    const cases: Array<[unknown, boolean]> = [
      [[1, 2], true],
      [[2, 0], true],
      [[3, 4], true],
      [[3, 4, 0], false],
      [[1, 1, 9], false],
      [[1, 2, 0], true],
      [[1], false],
      [[5], false],
    ];
    for (const [value, expected] of cases) {
      assert.equal(
        await check(
          [
            [1, 2],
            [3, 4],
          ],
          value,
        ),
        expected,
        `[[1, 2], [3, 4]] with ${JSON.stringify(value)}`,
      );
    }
  });

  test('a pair that Python cannot order fails with the reason and how to test "one of two"', async () => {
    await assert.rejects(check([{ a: 1 }, { b: 2 }], { b: 2 }), {
      name: 'TypeError',
      message:
        "'<=' not supported between instances of 'dict' and 'dict': a list of two items is the range [low, high] in Chaos Toolkit, " +
        'so both bounds and the value must be numbers, strings or lists; ' +
        'to accept either of two values, repeat one of them (three or more items mean "one of")',
    });
    await assert.rejects(check([[1], ['a']], [1]), {
      name: 'TypeError',
      message: /^'<=' not supported between instances of 'int' and 'str': a list of two items/,
    });
    await assert.rejects(check([[1], [2]], 1), {
      message: /^'<=' not supported between instances of 'list' and 'int': /,
    });
  });
});

describe('rollback strategies against run statuses (Chaos Toolkit semantics)', () => {
  const rollingBack = () =>
    experiment({
      method: [js('action', 'long', 'wait', { ms: 30_000 })],
      rollbacks: [js('action', 'undo', 'value')],
    });

  async function interrupted(options: Partial<RunOptions>) {
    const valid = await validateExperiment(rollingBack(), fixtures);
    const running = startExperiment(valid, {
      log: silentLog,
      ledger: noLedger,
      baseDirectory: fixtures,
      ...options,
    });
    setImmediate(() => running.interrupt('SIGINT signal received'));
    return running.journal;
  }

  test('default plays no rollbacks when the run was interrupted', async () => {
    const journal = await interrupted({ rollbackStrategy: 'default' });
    assert.equal(journal.status, 'interrupted');
    assert.deepEqual(journal.rollbacks, []);
  });

  test('deviated plays no rollbacks on an interruption without a deviation', async () => {
    const journal = await interrupted({ rollbackStrategy: 'deviated' });
    assert.equal(journal.status, 'interrupted');
    assert.deepEqual(journal.rollbacks, []);
  });

  test('default plays the rollbacks of a completed run', async () => {
    const journal = await run(
      experiment({ method: [js('action', 'a', 'value')], rollbacks: [js('action', 'undo', 'value')] }),
      { rollbackStrategy: 'default' },
    );
    assert.equal(journal.status, 'completed');
    assert.deepEqual(names(journal.rollbacks), ['undo']);
  });

  test('always plays the rollbacks of a failed run; default and deviated do not, nor deviated without a deviation', async () => {
    const failing = () =>
      experiment({
        'steady-state-hypothesis': {
          title: 'h',
          probes: [js('probe', 'broken', 'fail', {}, { tolerance: true })],
        },
        rollbacks: [js('action', 'undo', 'value')],
      });
    const always = await run(failing(), { rollbackStrategy: 'always' });
    assert.deepEqual([always.status, names(always.rollbacks)], ['failed', ['undo']]);
    for (const rollbackStrategy of ['default', 'deviated'] as const) {
      const journal = await run(failing(), { rollbackStrategy });
      assert.deepEqual([journal.status, journal.rollbacks], ['failed', []], rollbackStrategy);
    }
    const calm = await run(
      experiment({ method: [js('action', 'a', 'value')], rollbacks: [js('action', 'undo', 'value')] }),
      {
        rollbackStrategy: 'deviated',
      },
    );
    assert.deepEqual([calm.status, calm.deviated, calm.rollbacks], ['completed', false, []]);
    const none = await run(experiment({ method: [js('action', 'a', 'value')] }), {
      rollbackStrategy: 'always',
    });
    assert.deepEqual([none.status, none.rollbacks], ['completed', []]);
  });

  test('--max-duration does not override --rollback-strategy never', async () => {
    const started = performance.now();
    const journal = await run(rollingBack(), { maxDuration: 0.1, rollbackStrategy: 'never' });
    assert.equal(journal.status, 'interrupted');
    assert.deepEqual(journal.rollbacks, []);
    assert.ok(performance.now() - started < 10_000, 'the 30 s action was cut short');
  });

  test('--max-duration forces the rollbacks under deviated, as under default', async () => {
    const journal = await run(rollingBack(), { maxDuration: 0.1, rollbackStrategy: 'deviated' });
    assert.equal(journal.status, 'interrupted');
    assert.deepEqual(names(journal.rollbacks), ['undo']);
  });
});

describe('configuration values that are probes', () => {
  test('run at start, in order; their output is the value; a failing one drops the key', async () => {
    const journal = await run(
      experiment({
        configuration: {
          plain: 'as written',
          answer: {
            type: 'probe',
            name: 'ask',
            provider: js('probe', 'ask', 'value', { value: 42 }).provider,
          },
          broken: { type: 'probe', name: 'break', provider: js('probe', 'break', 'fail').provider },
        },
        method: [js('action', 'show', 'context')],
      }),
    );
    assert.equal(journal.status, 'completed');
    const output = journal.run[0]!.output as { configuration: Record<string, unknown> };
    assert.equal(output.configuration.plain, 'as written');
    assert.equal(output.configuration.answer, 42);
    assert.equal(Object.hasOwn(output.configuration, 'broken'), false);
  });
});

describe('undoing recorded proxy faults (rollback.ts)', () => {
  test('each undo kind acts on the server it names; what is already gone counts as undone', async () => {
    const harness = await startHarness();
    const echo = await startEchoServer();
    await harness.api('POST', '/proxies', { name: 'undone', listen: '127.0.0.1:0', upstream: echo.address });
    await harness.api('POST', '/proxies/undone/toxics', {
      name: 'lag',
      type: 'latency',
      attributes: { latency: 5 },
    });
    let seq = 0;
    const entry = (undoStep: LedgerEntry['undo']): LedgerEntry => ({
      seq: (seq += 1),
      time: '2026-01-01T00:00:00.000Z',
      server: harness.url,
      description: `undo ${undoStep.kind}`,
      undo: undoStep,
    });
    const updateToxic = entry({
      kind: 'update-toxic',
      proxy: 'undone',
      toxic: 'lag',
      body: { attributes: { latency: 1 } },
    });
    assert.equal((await undo(updateToxic)).result, 'undone');
    assert.equal((await harness.api('GET', '/proxies/undone/toxics/lag')).json.attributes.latency, 1);
    assert.equal(
      (await undo(entry({ kind: 'update-proxy', proxy: 'undone', body: { enabled: false } }))).result,
      'undone',
    );
    assert.equal((await harness.api('GET', '/proxies/undone')).json.enabled, false);
    const removeToxic = entry({ kind: 'remove-toxic', proxy: 'undone', toxic: 'lag' });
    assert.equal((await undo(removeToxic)).result, 'undone');
    assert.equal((await harness.api('GET', '/proxies/undone/toxics/lag')).status, 404);
    assert.equal((await undo(removeToxic)).result, 'already gone');
    assert.equal((await undo(updateToxic)).result, 'already gone');
    const lines: string[] = [];
    const settled: number[] = [];
    const first = entry({ kind: 'delete-proxy', proxy: 'undone' });
    const second = { ...entry({ kind: 'delete-proxy', proxy: 'undone' }), description: 'second' };
    const outcome = await undoEntries(
      [first, second],
      (line) => lines.push(line),
      (done) => settled.push(done),
    );
    assert.deepEqual(outcome, { failed: 0 });
    assert.deepEqual(settled, [second.seq, first.seq], 'newest first, each settled once undone');
    assert.deepEqual(lines, [
      `undone: second (${harness.url})`,
      `already gone: undo delete-proxy (${harness.url})`,
    ]);
    assert.equal((await harness.api('GET', '/proxies/undone')).status, 404);
    assert.equal(
      describeEntry({ ...updateToxic, server: undefined } as unknown as LedgerEntry),
      'undo update-toxic',
    );
  });

  test('an error other than "gone" is passed on', async () => {
    const harness = await startHarness();
    const echo = await startEchoServer();
    await harness.api('POST', '/proxies', { name: 'kept', listen: '127.0.0.1:0', upstream: echo.address });
    await assert.rejects(
      undo({
        seq: 1,
        time: '2026-01-01T00:00:00.000Z',
        server: harness.url,
        description: 'bad body',
        undo: { kind: 'update-proxy', proxy: 'kept', body: { listen: 'nowhere' } },
      }),
      { name: 'FaultlineApiError', status: 400 },
    );
  });
});
