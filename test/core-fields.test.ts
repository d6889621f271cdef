import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { z } from 'zod';
import { canonicalKeys, type GoShape, goValueKind, lazySchema, parseWith } from '../src/model/fields.js';
import { closest } from '../src/model/closest-key.js';
import { decimalNumber } from '../src/model/decimal-number.js';
import { readFailure } from '../src/model/read-failure.js';

const go: GoShape = {
  value: 'toxiproxy.Proxy',
  struct: 'Proxy',
  fields: { name: 'string', enabled: 'bool', 'attributes.latency': 'int64' },
};
const proxy = z.strictObject({
  name: z.string().min(1),
  enabled: z.boolean().optional(),
  attributes: z.strictObject({ latency: z.number().int().min(0) }).optional(),
});

describe('parseWith: what a refusal says', () => {
  test('a wrongly typed field known to Go gets the text Go gives, with the rule as the hint', () => {
    assert.throws(() => parseWith(proxy, { name: 5 }, 'proxy', go), {
      code: 'FAULTLINE_ERR_INVALID_FIELD',
      reason:
        'bad request body: json: cannot unmarshal number into Go struct field Proxy.name of type string',
      hint: 'invalid name in proxy: Invalid input: expected string, received 5',
    });
  });

  test('a nested field is named by its dotted path', () => {
    assert.throws(() => parseWith(proxy, { name: 'a', attributes: { latency: 'slow' } }, 'proxy', go), {
      reason:
        'bad request body: json: cannot unmarshal string into Go struct field Proxy.attributes.latency of type int64',
    });
    assert.throws(() => parseWith(proxy, { name: 'a', attributes: { latency: -1 } }, 'proxy'), {
      code: 'FAULTLINE_ERR_INVALID_FIELD',
      reason: 'invalid attributes.latency in proxy',
      hint: 'Too small: expected number to be >=0, received -1',
    });
  });

  test('a rule other than the type is never put in Go words, even for a Go field', () => {
    assert.throws(() => parseWith(proxy, { name: '' }, 'proxy', go), {
      code: 'FAULTLINE_ERR_INVALID_FIELD',
      reason: 'invalid name in proxy',
      hint: 'Too small: expected string to have >=1 characters, received ""',
    });
  });

  test("only zod's closing type word gives way to the value; a rule's own words stay", () => {
    const worded = z.strictObject({
      mode: z
        .string()
        .refine(() => false, { message: 'a mode, received in full, is one word, received here' }),
    });
    assert.throws(() => parseWith(worded, { mode: 'x y' }, 'settings'), {
      hint: 'a mode, received in full, is one word, received "x y"',
    });
  });

  test('a wrongly typed field Go does not know, or no Go shape at all: the plain wording', () => {
    const loose = z.strictObject({ name: z.string(), extra: z.string().optional() });
    assert.throws(() => parseWith(loose, { name: 'a', extra: 1 }, 'proxy', go), {
      code: 'FAULTLINE_ERR_INVALID_FIELD',
      reason: 'invalid extra in proxy',
      hint: 'Invalid input: expected string, received 1',
    });
    assert.throws(() => parseWith(proxy, { name: 5 }, 'proxy'), {
      reason: 'invalid name in proxy',
    });
  });

  test('an unknown key in an object inside a list: the rule and the value, as no key list reaches there', () => {
    const withItems = z.strictObject({ items: z.array(z.strictObject({ a: z.string() })) });
    assert.throws(() => parseWith(withItems, { items: [{ a: 'x', b: 1 }] }, 'list'), {
      code: 'FAULTLINE_ERR_UNKNOWN_FIELD',
      reason: 'invalid items.0 in list',
      hint: 'Unrecognized key: "b", received {"a":"x","b":1}',
    });
  });

  test('a whole value of the wrong shape is "value"', () => {
    assert.throws(() => parseWith(proxy, 'text', 'proxy'), {
      code: 'FAULTLINE_ERR_INVALID_FIELD',
      reason: 'invalid value in proxy',
      hint: 'expected an object with keys name, enabled, attributes, received "text"',
    });
  });

  test('a misspelt key is named as unknown, with the accepted keys and the closest, even when it leaves a field missing', () => {
    assert.throws(() => parseWith(proxy, { nmae: 'a' }, 'proxy'), {
      code: 'FAULTLINE_ERR_UNKNOWN_FIELD',
      reason: 'unknown field "nmae" in proxy',
      hint: 'accepted keys: name, enabled, attributes; did you mean "name"?',
    });
    assert.throws(() => parseWith(proxy, { name: 'a', colour: 'red' }, 'proxy'), {
      reason: 'unknown field "colour" in proxy',
      hint: 'accepted keys: name, enabled, attributes',
    });
  });

  test("a misspelt key inside a nested object is named with that object's keys", () => {
    assert.throws(() => parseWith(proxy, { name: 'a', attributes: { latncy: 1 } }, 'proxy'), {
      code: 'FAULTLINE_ERR_UNKNOWN_FIELD',
      reason: 'unknown field "latncy" in attributes of proxy',
      hint: 'accepted keys: latency; did you mean "latency"?',
    });
    assert.throws(() => parseWith(proxy, { name: 'a', attributes: 7 }, 'proxy'), {
      code: 'FAULTLINE_ERR_INVALID_FIELD',
      reason: 'invalid attributes in proxy',
      hint: 'expected an object with keys latency, received 7',
    });
  });

  test('canonicalKeys: no accepted fields says so, and a note follows the list', () => {
    assert.throws(() => canonicalKeys({ count: 1 }, [], 'attributes'), {
      hint: 'attributes has no field "count" (Toxiproxy would ignore it in silence); it accepts no fields',
    });
    assert.throws(() => canonicalKeys({ count: 1 }, [], 'attributes', undefined, '; only match'), {
      hint: 'attributes has no field "count" (Toxiproxy would ignore it in silence); only match',
    });
    assert.throws(() => canonicalKeys({ lat: 1 }, ['latency'], 'attributes', undefined, '; and match'), {
      hint: 'attributes has no field "lat" (Toxiproxy would ignore it in silence); accepted fields: latency; and match',
    });
    assert.throws(() => canonicalKeys({ mach: 1 }, ['latency'], 'attributes', undefined, '', ['match']), {
      hint: 'attributes has no field "mach" (Toxiproxy would ignore it in silence); accepted fields: latency; did you mean "match"?',
    });
    assert.throws(() => canonicalKeys({ latncy: 1 }, ['latency'], 'attributes', undefined, '', ['match']), {
      hint: 'attributes has no field "latncy" (Toxiproxy would ignore it in silence); accepted fields: latency; did you mean "latency"?',
    });
  });
});

describe('canonicalKeys with a Go shape', () => {
  test('a body that is not an object gets the Go text, with the plain one as the hint', () => {
    assert.throws(() => canonicalKeys([1], ['name'], 'proxy', go), {
      code: 'FAULTLINE_ERR_BAD_BODY',
      reason: 'bad request body: json: cannot unmarshal array into Go value of type toxiproxy.Proxy',
      hint: 'proxy must be a JSON object, received [1]',
    });
  });
});

describe('goValueKind', () => {
  test('numbers name their value only for Go integer types', () => {
    assert.equal(goValueKind(1.5, 'int64'), 'number 1.5');
    assert.equal(goValueKind(7, 'uint32'), 'number 7');
    assert.equal(goValueKind(7, 'float64'), 'number');
    assert.equal(goValueKind(7, 'map[string]int'), 'number');
  });
});

describe('lazySchema', () => {
  test('builds nothing until asked, then builds once and hands out the same schema', () => {
    let builds = 0;
    const schema = lazySchema(() => {
      builds += 1;
      return z.string();
    });
    assert.equal(builds, 0);
    const first = schema();
    const second = schema();
    assert.equal(builds, 1);
    assert.equal(first, second);
    assert.equal(parseWith(first, 'text', 'test'), 'text');
  });
});

describe('closest: the accepted key a misspelling was meant to be', () => {
  test('within a third of the length in edits, at least 2; the nearest wins; case is ignored', () => {
    assert.equal(closest('clientca', ['cert', 'key', 'auto', 'client_ca']), 'client_ca');
    assert.equal(closest('NMAE', ['name', 'upstream']), 'name', 'a swapped pair is one edit');
    assert.equal(closest('ab', ['abcd']), 'abcd', 'two edits pass for a short key');
    assert.equal(closest('ab', ['abcde']), undefined, 'three do not');
    assert.equal(closest('latencyxyz', ['latency']), 'latency', 'three edits pass for a 10-letter key');
    assert.equal(closest('latencywxyz', ['latency']), undefined, 'four do not for an 11-letter key');
    assert.equal(closest('jiter', ['latency', 'jitter', 'jitters']), 'jitter', 'the nearest of several');
    assert.equal(closest('colour', ['name', 'type']), undefined);
    assert.equal(closest('abc', []), undefined);
  });

  test('a candidate the edits would replace more than 60% of is no suggestion, as commander judges', () => {
    assert.equal(closest('r2', ['pp']), undefined, 'both letters replaced');
    assert.equal(closest('abc', ['axy']), undefined, 'one of three kept: 33%');
    assert.equal(closest('a1', ['b1x']), undefined, 'of the longer, one of three kept');
    assert.equal(closest('ab', ['ax']), 'ax', 'one of two kept: 50%');
    assert.equal(closest('abcd', ['abxy']), 'abxy', 'two of four kept: 50%');
  });

  test('edits counted exactly: a swap of neighbours is one, and only of neighbours; ties go to the first', () => {
    assert.equal(closest('axby', ['xayb']), 'xayb', 'two swaps are two edits');
    assert.equal(closest('abcdef', ['badcfe']), undefined, 'three swaps are three');
    assert.equal(closest('axby', ['baxab']), undefined, 'three edits: no swap of neighbours in it');
    assert.equal(closest('axby', ['abab']), undefined, 'three substitutions');
    assert.equal(closest('nmae', ['nmaexy', 'name']), 'name', 'one swap beats two insertions');
    assert.equal(closest('xyzab', ['ab']), undefined, 'three deletions at the start');
    assert.equal(closest('ab', ['xyzab']), undefined, 'three insertions at the start');
    assert.equal(closest('jiter', ['jitters', 'jitter']), 'jitter', 'a nearer key later in the list wins');
    assert.equal(closest('ab', ['abx', 'aby']), 'abx', 'of two as near, the first');
  });
});

describe('canonicalKeys: one field written twice', () => {
  test('two spellings of one field are refused, naming both; distinct fields are kept', () => {
    assert.throws(() => canonicalKeys({ name: 'a', Name: 'b' }, ['name', 'enabled'], 'proxy'), {
      code: 'FAULTLINE_ERR_BAD_BODY',
      reason: 'bad request body: duplicate key "Name"',
      hint: 'proxy has both "name" and "Name", one field (keys match case-insensitively, as in Toxiproxy), and only the last would be read: write it once',
    });
    assert.deepEqual(canonicalKeys({ NAME: 'a', Enabled: true }, ['name', 'enabled'], 'proxy'), {
      name: 'a',
      enabled: true,
    });
  });

  test('an unknown key is refused as unknown, not as a duplicate of another unknown one', () => {
    assert.throws(() => canonicalKeys({ nme: 'a', NME: 'b' }, ['name'], 'proxy'), {
      code: 'FAULTLINE_ERR_UNKNOWN_FIELD',
    });
  });
});

describe('decimalNumber: what toxiproxy-cli sends as a number', () => {
  test('signs, fractions and exponents in base 10 are numbers', () => {
    const cases: Array<[string, number]> = [
      ['0', 0],
      ['42', 42],
      ['+7', 7],
      ['-7', -7],
      ['10.', 10],
      ['1.25', 1.25],
      ['.5', 0.5],
      ['.25', 0.25],
      ['12.75', 12.75],
      ['1e3', 1000],
      ['1E+2', 100],
      ['25e-1', 2.5],
      ['1.5e10', 1.5e10],
      ['123e12', 123e12],
    ];
    for (const [text, number] of cases) assert.equal(decimalNumber(text), number, text);
  });

  test('other notations, text around a number, and values beyond a double are not', () => {
    for (const text of [
      '',
      '0x10',
      '0b11',
      ' 100',
      '100 ',
      'a1',
      '1a',
      '.',
      'e3',
      '1e',
      '1e+',
      '--1',
      '+-1',
      '1.2.3',
      '1e309',
      'Infinity',
      '1_000',
      'x1e3',
      '1ex',
      '.x',
      '1.x',
    ])
      assert.equal(decimalNumber(text), undefined, JSON.stringify(text));
  });
});

describe('readFailure: why a file could not be read, in words', () => {
  const failure = (code: string) => Object.assign(new Error(`${code}: raw`), { code });
  test('the common codes are said in words, another code as itself, no code as the message', () => {
    assert.equal(readFailure(failure('ENOENT')), 'it does not exist');
    assert.equal(readFailure(failure('EISDIR')), 'it is a directory');
    assert.equal(readFailure(failure('EACCES')), 'permission denied');
    assert.equal(readFailure(failure('EPERM')), 'permission denied');
    assert.equal(readFailure(failure('ELOOP')), 'ELOOP');
    assert.equal(readFailure(new Error('no code here')), 'no code here');
  });
});
