import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decimalWithin } from '../src/experiment/python-decimal.js';
import { PythonRegexError, pythonRegex } from '../src/experiment/python-regex.js';
import { withinTolerance } from '../src/experiment/tolerance.js';
import type { Json } from '../src/model/experiment.js';

// Chaos Toolkit evaluates tolerances in Python: a range with Decimal, a regex with re.search.
// Expected values are CPython 3.11's answers (checked against it when written).

const check = (tolerance: unknown, value: unknown) =>
  withinTolerance(tolerance as Json, value, {}, async () => {
    throw new Error('no probe tolerance in these tests');
  });

describe("range tolerances are Python's Decimal comparisons", () => {
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
      // The smallest double, 5e-324, is 4.9406564584124654...e-324.
      ['4.94e-324', 0, 5e-324, true],
      ['4.95e-324', 0, 5e-324, false],
      // Exponents too large to write out: compared as Decimal compares them, without the digits.
      ['1e-999999999', 0, 1, true],
      ['-1e-999999999', -1, 0, true],
      ['1e999999999', 0, Infinity, true],
      ['10000000001e395', 0, Infinity, true],
      ['1e399', Infinity, Infinity, false],
      ['01e399', Infinity, Infinity, false],
      ['1e401', Infinity, Infinity, false], // a finite number, however large, is below infinity
      ['-1e401', -Infinity, -Infinity, false],
      ['inf', Infinity, Infinity, true],
    ];
    for (const [value, low, high, expected] of cases) {
      assert.equal(decimalWithin(value, low, high), expected, `${String(value)} in [${low}, ${high}]`);
    }
  });
});

describe('a target is read as chaoslib reads it: `if target: value = value.get(target, value)`', () => {
  test('an empty target is no target: the whole output is checked', async () => {
    assert.equal(await check({ type: 'regex', pattern: '^ok', target: '' }, 'ok'), true);
    assert.equal(await check({ type: 'range', range: [1, 3], target: '' }, 2), true);
    assert.equal(await check({ type: 'jsonpath', path: '$.a', target: '', expect: 1 }, { a: 1 }), true);
  });

  test("a jsonpath tolerance reads text as Python's json.loads does: NaN and Infinity included", async () => {
    assert.equal(
      await check({ type: 'jsonpath', path: '$.n', expect: 2 }, '{"ratio": NaN, "max": Infinity, "n": 2}'),
      true,
    );
    assert.equal(await check({ type: 'jsonpath', path: '$.n', count: 0 }, 'not json'), true);
  });

  test('a target the output lacks falls back to the whole output', async () => {
    assert.equal(await check({ type: 'jsonpath', path: '$.a', target: 'body', expect: 1 }, { a: 1 }), true);
  });

  test('a target that is not text names no key: a JSON object\'s keys are text, as dict.get(1) finds no "1"', async () => {
    const output = { '1': { a: 2 }, a: 1 };
    assert.equal(await check({ type: 'jsonpath', path: '$.a', target: 1, expect: 1 }, output), true);
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
    [
      '(?x)a # c\nb',
      [
        ['ab', true],
        ['ac', false],
      ],
    ],
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
        ['a}', false],
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
      '(?P<_x1>a)(?P=_x1)',
      [
        ['aa', true],
        ['ab', false],
      ],
    ],
    [
      '(?ms)(?-ms:^a.)',
      [
        ['b\na\n', false],
        ['ab', true],
        ['b\nab', false],
      ],
    ],
    [
      '\\1010',
      [
        ['A0', true],
        ['A', false],
      ],
    ],
    [
      '\\0123',
      [
        ['\n3', true],
        ['S', false],
      ],
    ],
    ['\\U0010ffff', [['\u{10ffff}', true]]],
    ['\\377', [['\xff', true]]],
    [
      '[a-a]',
      [
        ['a', true],
        ['b', false],
      ],
    ],
    [
      '[\\1010]',
      [
        ['0', true],
        ['A', true],
        ['1', false],
      ],
    ],
    [
      '(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)(k)(l)\\128',
      [
        ['abcdefghijkll8', true],
        ['abcdefghijkll', false],
      ],
    ],
    [
      '(?-i:a)',
      [
        ['a', true],
        ['A', false],
      ],
    ],
    ['a?#', [['#', true]]],
    [
      '(a#)',
      [
        ['a#', true],
        ['a', false],
      ],
    ],
    ['(?m)(?-s:^b)', [['a\nb', true]]],
    ['(?s)(?-m:.)', [['\n', true]]],
    ['(?x)(?-s:a b)', [['ab', true]]],
    ['(?i)(?-m:a)', [['A', true]]],
    [
      '(?i)^b',
      [
        ['a\nb', false],
        ['B', true],
      ],
    ],
    [
      '(?i)a.b',
      [
        ['a\nb', false],
        ['A.B', true],
      ],
    ],
    [
      '(?i)a b',
      [
        ['A B', true],
        ['AB', false],
      ],
    ],
    ['(?i)\\w', [['é', true]]],
    [
      '(?x)a#c',
      [
        ['a', true],
        ['c', false],
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
      ['(?P<a-b>x)', "bad character in group name 'a-b' at position 4"],
      ['x?i)', 'unbalanced parenthesis at position 3'],
      ['(?<<a>b)', 'unknown extension ?<< at position 1'],
      ['(?z:a)', 'unknown extension ?z at position 1'],
      ['(?zP)', 'unknown extension ?z at position 1'],
      ['a(?im)', 'global flags not at the start of the expression at position 1'],
      ['(?Px)', 'unknown extension ?Px at position 1'],
      ['(?', 'unexpected end of pattern at position 2'],
      ['[a-', 'unterminated character set at position 0'],
      ['[a-\\w]', 'bad character range a-\\w at position 1'],
      ['[\\8]', 'bad escape \\8 at position 1'],
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

  test("a flag typo is refused in faultline's words (Python says 'unknown flag' or 'missing -, : or )')", () => {
    const refused: Array<[string, string]> = [
      ['(?:a)(?iz)', 'unknown extension ?i at position 6'],
      ['(?i', 'unknown extension ?i at position 1'],
    ];
    for (const [pattern, message] of refused) {
      assert.throws(() => pythonRegex(pattern), { name: 'Error', message }, pattern);
    }
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
      ['(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)(k)(l)\\12', '(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)(k)(l)(?:\\12)'],
      ['(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)(k)(l)\\128', '(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)(k)(l)(?:\\12)8'],
      ['a1', 'a1'],
      ['[0-9_]', '[0-9_]'],
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
      ['(a)\\1*', '(a)(?:\\1)*'],
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
      [
        '(?i)(?-i:a)',
        'case-insensitivity for part of a pattern ((?i:...) or (?-i:...)); use (?i) at the start at position 4',
      ],
      ['(?>a)', 'atomic groups (?>...) at position 0'],
      ['(?>=a)', 'atomic groups (?>...) at position 0'],
      ['(?><a>b)', 'atomic groups (?>...) at position 0'],
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
