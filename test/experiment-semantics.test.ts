import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  convertToType,
  loadConfiguration,
  loadSecrets,
  loadVarFiles,
  parseVar,
} from '../src/experiment/configuration.js';
import { compileJsonPath } from '../src/experiment/jsonpath2.js';
import { pyEquals, pyStr } from '../src/experiment/python-values.js';
import { scopeOf, substitute } from '../src/experiment/substitute.js';
import { withinTolerance } from '../src/experiment/tolerance.js';
import { tempDirectory } from './helpers.js';
import type { Json } from '../src/model/experiment.js';

const check = (tolerance: unknown, value: unknown, scope = {}) =>
  withinTolerance(tolerance as Json, value, scope, async (_probe, checked) => (checked as number) > 10);

describe('tolerances (spec §2)', () => {
  test('bool: Python equality, so 1 == True', async () => {
    assert.equal(await check(true, true), true);
    assert.equal(await check(true, 1), true);
    assert.equal(await check(false, { status: 0 }), false);
  });

  test('int: the status of a process or http output, else the value', async () => {
    assert.equal(await check(0, { status: 0, stdout: '' }), true);
    assert.equal(await check(200, { status: 404 }), false);
    assert.equal(await check(1, 1), true);
    assert.equal(await check(1, true), true);
  });

  test('string: strict equality, after substitution that may change the type', async () => {
    assert.equal(await check('3', 3), false);
    assert.equal(await check('ok', 'ok'), true);
    assert.equal(await check('${expected}', 3, { expected: 3 }), true);
  });

  test('list: membership for a status, inclusive range for a pair, membership otherwise', async () => {
    assert.equal(await check([200, 300], { status: 250 }), false);
    assert.equal(await check([200, 300], { status: 300 }), true);
    assert.equal(await check([1, 5], 3), true);
    assert.equal(await check(['a', 'c'], 'b'), true);
    assert.equal(await check([1, 2, 3], 2), true);
    assert.equal(await check([7], 7), true);
  });

  test('regex: a search (not a full match) in the target', async () => {
    assert.equal(
      await check(
        { type: 'regex', pattern: 'ready', target: 'stdout' },
        { status: 0, stdout: 'all ready\n' },
      ),
      true,
    );
    assert.equal(await check({ type: 'regex', pattern: '^\\d+$' }, '42'), true);
    await assert.rejects(
      check({ type: 'regex', pattern: 'x' }, { status: 0 }),
      { name: 'TypeError', message: /^regex tolerance needs a string, got dict; set "target"/ },
      'no target on an object output',
    );
  });

  test('range: inclusive, numbers and numeric strings, with target', async () => {
    assert.equal(await check({ type: 'range', range: [200, 299], target: 'status' }, { status: 204 }), true);
    assert.equal(await check({ type: 'range', range: [0, 600] }, '580.5'), true);
    assert.equal(await check({ type: 'range', range: [0, 10] }, 'bad'), false);
  });

  test('jsonpath: matches, count, and expect (exactly one match for a scalar)', async () => {
    const body = { foo: [{ baz: 1 }, { baz: 2 }] };
    assert.equal(await check({ type: 'jsonpath', path: '$.foo[*].baz' }, body), true);
    assert.equal(await check({ type: 'jsonpath', path: '$.foo[*].baz', count: 2 }, body), true);
    assert.equal(await check({ type: 'jsonpath', path: '$.foo[*].baz', expect: [1, 2] }, body), true);
    assert.equal(
      await check({ type: 'jsonpath', path: '$.foo[*].baz', expect: 1 }, body),
      false,
      'two matches are not [1]',
    );
    assert.equal(await check({ type: 'jsonpath', path: '$.nope', expect: [] }, body), true);
    assert.equal(
      await check(
        { type: 'jsonpath', path: '$.a', target: 'body', expect: 5 },
        { status: 200, body: '{"a":5}' },
      ),
      true,
    );
  });

  test('probe: the probe gets the value and its truthiness decides', async () => {
    assert.equal(await check({ type: 'probe', name: 'p', provider: { type: 'javascript' } }, 11), true);
    assert.equal(await check({ type: 'probe', name: 'p', provider: { type: 'javascript' } }, 9), false);
  });
});

describe('jsonpath2 dialect', () => {
  test('a filter tests the current node itself, with a single "="', () => {
    assert.deepEqual(compileJsonPath('$.foo[?(@.baz)].baz')({ foo: { baz: 'hello' } }), ['hello']);
    assert.deepEqual(
      compileJsonPath('$.foo.*[?(@.baz="x")].baz')({ foo: { a: { baz: 'x' }, b: { baz: 'y' } } }),
      ['x'],
    );
    assert.deepEqual(
      compileJsonPath('$[?(@.key=42)]')([{ key: 42 }]),
      [],
      'on an array the filter sees the array',
    );
  });

  test('recursive descent, indexes, slices, unions and boolean operators', () => {
    const value = { a: { b: [1, 2, 3] }, c: { b: [4] } };
    assert.deepEqual(compileJsonPath('$..b[0]')(value), [1, 4]);
    assert.deepEqual(compileJsonPath('$.a.b[-1]')(value), [3]);
    assert.deepEqual(compileJsonPath('$.a.b[0:2]')(value), [1, 2]);
    assert.deepEqual(compileJsonPath("$['a','c'].b[0]")(value), [1, 4]);
    assert.deepEqual(compileJsonPath('$.*[?(@.b[0] > 1 and not @.x)].b[0]')(value), [4]);
  });

  test('"==" is rejected, as jsonpath2 rejects it', () => {
    assert.throws(() => compileJsonPath('$.a[?(@.b == 1)]'), /single "="/);
  });
});

describe('substitution (spec §3.3)', () => {
  const scope = { name: 'orders', port: 8080, flag: true, none: null, nested: { a: 1 } };

  test('a whole "${name}" keeps its type; embedded values use Python str()', () => {
    assert.equal(substitute('${port}', scope), 8080);
    assert.deepEqual(substitute('${nested}', scope), { a: 1 });
    assert.equal(substitute('http://x:${port}/${name}', scope), 'http://x:8080/orders');
    assert.equal(
      substitute('flag=${flag} none=${none} nested=${nested}', scope),
      "flag=True none=None nested={'a': 1}",
    );
  });

  test('$name without braces, $$ and unknown names', () => {
    assert.equal(
      substitute('$name costs $$5, $unknown stays, ${some-service} too', scope),
      'orders costs $5, $unknown stays, ${some-service} too',
    );
  });

  test('objects and lists are walked; keys are not substituted', () => {
    assert.deepEqual(substitute({ '${name}': ['${port}', [{ x: '$name' }]] }, scope), {
      '${name}': [8080, [{ x: 'orders' }]],
    });
  });

  test('configuration wins over secrets, and secret scopes are flattened', () => {
    const merged = scopeOf({ token: 'config' }, { a: { token: 'secret', other: 's' } });
    assert.deepEqual([merged.token, merged.other], ['config', 's']);
  });

  test('Python values', () => {
    assert.deepEqual(
      [pyStr(true), pyStr(null), pyStr(1.5), pyStr(['a', 1])],
      ['True', 'None', '1.5', "['a', 1]"],
    );
    assert.equal(pyEquals({ a: [1, true] }, { a: [1, 1] }), true);
  });
});

describe('configuration, secrets and vars (spec §3)', () => {
  test('env values with defaults and types', () => {
    process.env.FAULTLINE_TEST_PORT = '8081';
    process.env.FAULTLINE_TEST_EMPTY = '';
    const configuration = loadConfiguration({
      port: { type: 'env', key: 'FAULTLINE_TEST_PORT', env_var_type: 'int' },
      empty: { type: 'env', key: 'FAULTLINE_TEST_EMPTY', default: 'd' },
      missing: { type: 'env', key: 'FAULTLINE_SURELY_UNSET', default: null },
      plain: { deep: [1] },
    });
    assert.deepEqual(configuration, { port: 8081, empty: '', missing: null, plain: { deep: [1] } });
  });

  test("a default is converted by env_var_type as the variable's value is, as chaoslib does", () => {
    const configuration = loadConfiguration({
      count: { type: 'env', key: 'FAULTLINE_SURELY_UNSET', default: '5', env_var_type: 'int' },
      ratio: { type: 'env', key: 'FAULTLINE_SURELY_UNSET', default: '0.5', env_var_type: 'float' },
      on: { type: 'env', key: 'FAULTLINE_SURELY_UNSET', default: 'no', env_var_type: 'bool' },
      doc: { type: 'env', key: 'FAULTLINE_SURELY_UNSET', default: '{"a":1}', env_var_type: 'json' },
      whole: { type: 'env', key: 'FAULTLINE_SURELY_UNSET', default: 2.7, env_var_type: 'int' },
      kept: { type: 'env', key: 'FAULTLINE_SURELY_UNSET', default: 8080, env_var_type: 'int' },
      none: { type: 'env', key: 'FAULTLINE_SURELY_UNSET', default: null, env_var_type: 'int' },
    });
    assert.deepEqual(configuration, {
      count: 5,
      ratio: 0.5,
      on: false,
      doc: { a: 1 },
      whole: 2,
      kept: 8080,
      none: null,
    });
    assert.throws(
      () =>
        loadConfiguration({
          port: { type: 'env', key: 'FAULTLINE_SURELY_UNSET', default: 'eighty', env_var_type: 'int' },
        }),
      /invalid literal for int\(\) with base 10: 'eighty'/,
    );
    process.env.FAULTLINE_TEST_PORT_TEXT = 'http';
    try {
      // chaos's words, then which key, which variable and which type: a run names what to fix.
      assert.throws(
        () =>
          loadConfiguration({ port: { type: 'env', key: 'FAULTLINE_TEST_PORT_TEXT', env_var_type: 'int' } }),
        {
          name: 'InvalidExperiment',
          message:
            "invalid literal for int() with base 10: 'http' (configuration 'port' reads the environment variable FAULTLINE_TEST_PORT_TEXT as env_var_type int)",
        },
      );
      assert.throws(
        () =>
          loadConfiguration({
            port: { type: 'env', key: 'FAULTLINE_SURELY_UNSET', default: 'x', env_var_type: 'float' },
          }),
        {
          message:
            "could not convert string to float: 'x' (configuration 'port' reads the default of FAULTLINE_SURELY_UNSET, which is unset, as env_var_type float)",
        },
      );
    } finally {
      delete process.env.FAULTLINE_TEST_PORT_TEXT;
    }
  });

  test('vars override declared keys only', () => {
    assert.deepEqual(loadConfiguration({ a: 1 }, { a: 2, b: 3 }), { a: 2 });
  });

  test('--var types and errors', () => {
    assert.deepEqual(parseVar('n:int=5'), ['n', 5]);
    // convert_vars splits the type off at the last colon (k.rsplit(":", 1)).
    assert.deepEqual(parseVar('db:port:int=5'), ['db:port', 5]);
    assert.deepEqual(parseVar('url=http://h:1'), ['url', 'http://h:1']);
    assert.deepEqual(parseVar('b:bool=no'), ['b', false]);
    assert.deepEqual(parseVar('j:json={"x":1}'), ['j', { x: 1 }]);
    assert.throws(() => parseVar('novalue'), /not enough values to unpack/);
    assert.throws(
      () => convertToType('complex', '1'),
      /variable type can only be: bool, str, int, float, bytes or json/,
    );
    assert.throws(() => parseVar('n:int=x'), /invalid literal for int\(\)/);
  });

  test("int and float read text as Python's int() and float() do", () => {
    const read: Array<[string, string, unknown]> = [
      ['int', ' 12 ', 12],
      ['int', '+7', 7],
      ['int', '1_000', 1000],
      ['float', '1_0.5', 10.5],
      ['float', ' .5 ', 0.5],
      ['float', '5.', 5],
      ['float', '1e3', 1000],
      ['float', '-inf', -Infinity],
      ['float', 'Infinity', Infinity],
    ];
    for (const [type, text, value] of read)
      assert.equal(convertToType(type, text), value, `${type}(${text})`);
    assert.ok(Number.isNaN(convertToType('float', 'nan')));
    for (const text of ['1__000', '_1', '1_', '0x10', '']) {
      assert.throws(() => convertToType('int', text), {
        message: `invalid literal for int() with base 10: '${text}'`,
      });
    }
    for (const text of ['0x10', '0b1', '1__0', 'e5', '.', '']) {
      assert.throws(() => convertToType('float', text), {
        message: `could not convert string to float: '${text}'`,
      });
    }
  });

  test('var files: JSON/YAML configuration and secrets, .env into the environment, broken ones skipped', async () => {
    const directory = tempDirectory('vars');
    const json = join(directory, 'vars.json');
    const env = join(directory, 'vars.env');
    await writeFile(json, JSON.stringify({ configuration: { a: 2 }, secrets: { s: { k: 'v' } } }));
    await writeFile(env, '# comment\nFAULTLINE_FROM_DOTENV="yes"\n');
    const warnings: string[] = [];
    const { vars, unread } = await loadVarFiles([json, env, '/nonexistent.json'], (message) =>
      warnings.push(message),
    );
    assert.deepEqual(vars, { configuration: { a: 2 }, secrets: { s: { k: 'v' } } });
    assert.deepEqual(unread, []);
    assert.equal(process.env.FAULTLINE_FROM_DOTENV, 'yes');
    assert.equal(warnings.length, 1);
    assert.deepEqual(
      loadSecrets({ s: { k: 'old', other: 'x' } }, vars.secrets),
      { s: { k: 'v' } },
      'a scope is replaced whole',
    );
  });

  test('a .env line without "=" is named, not skipped in silence (chaos run stops on it)', async () => {
    const env = join(tempDirectory('vars'), 'vars.env');
    await writeFile(env, 'FAULTLINE_DOTENV_KEPT=1\nFAULTLINE_DOTENV_TYPO 2\n');
    const { unread } = await loadVarFiles([env], () => undefined);
    assert.equal(process.env.FAULTLINE_DOTENV_KEPT, '1');
    assert.deepEqual(unread, [
      `--var-file ${env} line 2: 'FAULTLINE_DOTENV_TYPO 2' is not read: a .env line is NAME=VALUE (chaos run stops on it: not enough values to unpack)`,
    ]);
  });
});
