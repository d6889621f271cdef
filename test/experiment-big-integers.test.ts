import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { bigIntegersInJson } from '../src/experiment/big-integers.js';
import { loadConfiguration, loadVarFiles, parseVarWarning } from '../src/experiment/configuration.js';
import { type RunLog, silentLog } from '../src/experiment/console.js';
import { loadExperiment } from '../src/experiment/load.js';
import { startHttpApp } from './helpers.js';
import { experiment, run } from './experiment-helpers.js';

const BIG = '12345678901234567891';
const HELD = String(Number(BIG)); // 12345678901234567000

async function tempFile(name: string, text: string): Promise<string> {
  const path = join(await mkdtemp(join(tmpdir(), 'faultline-big-')), name);
  await writeFile(path, text);
  return path;
}

describe('integers beyond 2^53 are found where they are', () => {
  test('each is named by its path; floats, strings, safe integers and NaN are not', () => {
    const text = JSON.stringify({
      method: [{}, {}, { provider: { arguments: { size: 1, 'odd key': 2, list: [0, 3] } } }],
      text: `"${BIG}"`,
    })
      .replace('"size":1', `"size":${BIG}`)
      .replace('"odd key":2', `"odd key":-${BIG}`)
      .replace('[0,3]', `[0, 9007199254740993, 1e30, 9007199254740991.5, NaN, -Infinity]`);
    assert.deepEqual(bigIntegersInJson(text), [
      { path: 'method[2].provider.arguments.size', source: BIG },
      { path: 'method[2].provider.arguments["odd key"]', source: `-${BIG}` },
      { path: 'method[2].provider.arguments.list[1]', source: '9007199254740993' },
    ]);
    assert.deepEqual(bigIntegersInJson(BIG), [{ path: '', source: BIG }]);
    assert.deepEqual(bigIntegersInJson('[9007199254740991, -9007199254740991, "9007199254740993"]'), []);
  });
});

describe('a big integer the user wrote is said to be rounded, with where it is', () => {
  test('in a JSON experiment file', async () => {
    const path = await tempFile(
      'experiment.json',
      `{"title": "t", "description": "d", "method": [{"name": "p", "arguments": {"id": ${BIG}}}]}`,
    );
    const warnings: string[] = [];
    await loadExperiment(path, { warn: (message) => warnings.push(message) });
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, new RegExp(`the JSON experiment holds an integer beyond 2\\^53`));
    assert.match(warnings[0]!, new RegExp(`${BIG} at method\\[0\\]\\.arguments\\.id \\(held as ${HELD}\\)`));
  });

  test('in a JSON var file, and in --var typed int or json', async () => {
    const path = await tempFile('vars.json', `{"configuration": {"a": ${BIG}, "b": 1}}`);
    const warnings: string[] = [];
    await loadVarFiles([path], (message) => warnings.push(message));
    assert.equal(warnings.length, 1);
    assert.match(
      warnings[0]!,
      new RegExp(`--var-file .*vars\\.json holds an integer .*${BIG} at configuration\\.a`),
    );
    assert.match(
      parseVarWarning(`n:int=${BIG}`) ?? '',
      new RegExp(`--var n holds an integer .*${BIG} \\(held`),
    );
    assert.match(parseVarWarning(`n:json={"x": [${BIG}]}`) ?? '', new RegExp(`${BIG} at x\\[0\\]`));
    assert.equal(parseVarWarning(`n=${BIG}`), undefined); // a str, kept as it is
    assert.equal(parseVarWarning('n:int=9007199254740991'), undefined);
  });

  test('in a configuration read from the environment as an int', () => {
    process.env.FAULTLINE_TEST_BIG = BIG;
    const warnings: string[] = [];
    try {
      loadConfiguration(
        { n: { type: 'env', key: 'FAULTLINE_TEST_BIG', env_var_type: 'int' } },
        {},
        (message) => warnings.push(message),
      );
    } finally {
      delete process.env.FAULTLINE_TEST_BIG;
    }
    assert.equal(warnings.length, 1);
    assert.match(
      warnings[0]!,
      new RegExp(`configuration 'n' .*FAULTLINE_TEST_BIG.* ${BIG} \\(held as ${HELD}\\)`),
    );
  });
});

describe("a big integer in a provider's answer is said to be rounded, with where it is", () => {
  async function warningsOf(provider: object): Promise<string[]> {
    const warnings: string[] = [];
    const log: RunLog = { ...silentLog, warning: (message) => warnings.push(message) };
    await run(experiment({ method: [{ type: 'probe', name: 'count', provider }] }), { log });
    return warnings.filter((message) => message.includes('2^53'));
  }

  test('in an http JSON body', async () => {
    const { origin } = await startHttpApp((_request, response) => {
      response.setHeader('Content-Type', 'application/json');
      response.end(`{"items": [{"id": ${BIG}}, {"id": 2}]}`);
    });
    const warnings = await warningsOf({ type: 'http', url: `${origin}/` });
    assert.equal(warnings.length, 1);
    assert.match(
      warnings[0]!,
      new RegExp(`the answer to probe 'count' .* ${BIG} at body\\.items\\[0\\]\\.id`),
    );
  });

  test("in a process's stdout that a jsonpath tolerance reads as JSON", async () => {
    const warnings: string[] = [];
    const log: RunLog = { ...silentLog, warning: (message) => warnings.push(message) };
    await run(
      experiment({
        'steady-state-hypothesis': {
          title: 'h',
          probes: [
            {
              type: 'probe',
              name: 'ids',
              provider: { type: 'process', path: 'echo', arguments: [`{"ids": [1, ${BIG}]}`] },
              tolerance: { type: 'jsonpath', path: '$.ids[*]', target: 'stdout' },
            },
          ],
        },
      }),
      { log },
    );
    const rounded = warnings.filter((message) => message.includes('2^53'));
    assert.ok(rounded.length >= 1, warnings.join('\n'));
    assert.match(
      rounded[0]!,
      new RegExp(`probe 'ids': the text the jsonpath tolerance reads as JSON .* ${BIG} at ids\\[1\\]`),
    );
  });

  test("in a jsonpath tolerance's filter, as the path is written", async () => {
    const warnings: string[] = [];
    const log: RunLog = { ...silentLog, warning: (message) => warnings.push(message) };
    const path = `$.items[?(@.id = ${BIG} or @.id = -9007199254740993 or @.id = 9007199254740991)]`;
    await run(
      experiment({
        'steady-state-hypothesis': {
          title: 'h',
          probes: [
            {
              type: 'probe',
              name: 'ids',
              provider: { type: 'process', path: 'echo', arguments: ['{"items": [{"id": 1}]}'] },
              tolerance: { type: 'jsonpath', path, target: 'stdout' },
            },
          ],
        },
      }),
      { log },
    );
    const rounded = warnings.filter((message) => message.includes('2^53'));
    assert.ok(rounded.length >= 1, warnings.join('\n'));
    assert.match(rounded[0]!, /probe 'ids': the jsonpath tolerance's path "\$\.items\[\?\(@\.id = /);
    assert.match(rounded[0]!, /holds 2 integers beyond 2\^53/);
    assert.match(rounded[0]!, new RegExp(`${BIG} \\(held as ${HELD}\\), -9007199254740993 \\(held as`));
  });

  test('in what a Python function returned', async () => {
    const warnings = await warningsOf({
      type: 'python',
      module: 'json',
      func: 'loads',
      arguments: { s: `{"n": ${BIG}}` },
    });
    assert.equal(warnings.length, 1);
    assert.match(
      warnings[0]!,
      new RegExp(`what json\\.loads returned to probe 'count' .* ${BIG} at n \\(held`),
    );
  });
});
