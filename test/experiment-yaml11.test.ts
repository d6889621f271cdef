import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadVarFiles } from '../src/experiment/configuration.js';
import { loadSettings } from '../src/experiment/controls/settings.js';
import { loadExperiment } from '../src/experiment/load.js';
import { safeLoad } from '../src/experiment/pyyaml-load.js';
import type { Experiment } from '../src/model/experiment.js';
import { run } from './experiment-helpers.js';
import { tempDirectory } from './helpers.js';

/**
 * Each snippet is read by faultline and by the system python3's PyYAML (yaml.safe_load), whose
 * value is written as chaos's journal writes it (json.dumps, dates as isoformat()). The two must
 * be equal, or both must refuse the snippet; a value safe_load builds but chaos's journal cannot
 * write (bytes, a set) counts as refused.
 */
const SNIPPETS = [
  // booleans: PyYAML takes yes/no/on/off in three casings, not y/n
  'a: yes',
  'a: No',
  'a: ON',
  'a: off',
  'a: True',
  'a: FALSE',
  'a: tRue',
  'a: y',
  'a: Y',
  'a: n',
  'a: N',
  '{y: 1, n: 2, x: 3}',
  // integers
  'a: 0644',
  'a: -012',
  'a: 08',
  'a: 09',
  'a: 0o17',
  'a: 0x1F',
  'a: -0x_1f',
  'a: 0b1010',
  'a: +0b1_0',
  'a: 1_000',
  'a: -1_2',
  'a: +12',
  'a: 0',
  'a: -0',
  'a: 00',
  'a: 0_',
  'a: 0b_',
  'a: 0x_',
  'a: 190:20:30',
  'a: -1:30',
  'a: 0:30',
  'a: 05:30',
  'a: 1:60',
  'a: 9007199254740991',
  // floats: a dot is needed, an exponent needs its sign
  'a: 1.5',
  'a: 1.',
  'a: .5',
  'a: -.5',
  'a: +1.5',
  'a: 1_0.5_0',
  'a: 1e3',
  'a: 1e+3',
  'a: 1.0e3',
  'a: 1.0e+3',
  'a: 6.8523015e+5',
  'a: 685.230_15e+03',
  'a: 190:20:30.15',
  'a: .',
  'a: ._',
  'a: .inf',
  'a: -.Inf',
  'a: +.INF',
  'a: .NaN',
  'a: -.nan',
  'a: .nAn',
  // null
  'a: ~',
  'a: null',
  'a: Null',
  'a: NULL',
  'a: nULL',
  'a:',
  '- ~\n- \n- null',
  // timestamps: a Python date or datetime, written as isoformat()
  'a: 2001-12-14',
  'a: 2001-1-1',
  'a: 2001-12-14t21:59:43.10-05:00',
  'a: 2001-12-14 21:59:43.10 -5',
  'a: 2001-12-14T21:59:43Z',
  'a: 2001-12-14 21:59:43',
  'a: 2001-12-14 21:59:43.1234567 +05:30',
  'a: 2001-1-2 3:04:05',
  'a: 2001-13-01',
  'a: 2001-02-29',
  'a: 2000-02-29',
  'a: 2001-12-14 24:00:00',
  'a: 2001-12-14 21:59:43 +24',
  'a: !!timestamp 2001-1-2',
  "a: '2001-12-14'",
  // merge keys
  'd: &d {x: 1, y: 2}\na: {<<: *d, y: 3}',
  'd: &d {x: 1, y: 2}\na:\n  y: 3\n  <<: *d',
  'p: &p {x: 1}\nq: &q {x: 2, z: 3}\na: {<<: [*p, *q], w: 4}',
  'd: &d {x: {deep: 1}}\na:\n  <<: *d\n  x: {deep: 2}',
  'a: {"<<": {x: 1}}',
  'a: {<<: 1}',
  'a: {<<: [1]}',
  'd: &d [1]\na: {<<: *d}',
  'a: <<',
  // keys become the text json.dumps writes for them
  '{yes: 1, off: 2, ~: 3, 1.5: 4, 1.0e+1: 5, 0x10: 6, .inf: 7, 2: 8}',
  '{[1, 2]: 3}',
  // strings and the rest
  'a: "yes"',
  "a: 'on'",
  'a: !!str 0644',
  'a: !!int "0x10"',
  'a: =',
  '{=: 1}',
  'a: "\\x41\\/\\u00e9"',
  'a: |\n  yes\n  0644\n',
  'a: !!omap [x: 1, y: 2]',
  'a: !!pairs\n  - x: 1\n  - x: 2',
  'a: !!binary aGVsbG8=',
  'a: !!set {x, y}',
  'a: !!python/name:os.system',
  'a: *nope',
  'a: &x 1\nb: &x 2\nc: *x',
  'a: !secret x',
  'a: 1\n---\nb: 2',
  '%YAML 1.2\n---\na: yes',
];

const PYYAML = String.raw`
import datetime, json, sys
import yaml

def journal(value):
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    raise TypeError("chaos's journal cannot write %s" % type(value).__name__)

results = []
for text in json.load(sys.stdin):
    try:
        written = json.dumps(yaml.safe_load(text), default=journal)
        results.append({"value": json.loads(written, parse_constant=lambda name: {"float": name})})
    except Exception as error:
        results.append({"refused": "%s: %s" % (type(error).__name__, error)})
print(json.dumps(results))
`;

function pyyamlReads(snippets: readonly string[]): Array<{ value?: unknown; refused?: string }> {
  try {
    return JSON.parse(
      execFileSync('python3', ['-c', PYYAML], { input: JSON.stringify(snippets) }).toString(),
    );
  } catch (error) {
    assert.fail(
      `python3 with PyYAML is needed to check faultline's YAML reading: install the Debian packages "python3" and "python3-yaml" (apt-get install python3 python3-yaml); ${(error as Error).message}`,
    );
  }
}

/** JSON's view of faultline's value: NaN and the infinities as Python's json.dumps names them. */
function asJournal(value: unknown): unknown {
  if (typeof value === 'number' && !Number.isFinite(value))
    return { float: Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity' };
  if (Array.isArray(value)) return value.map(asJournal);
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, asJournal(item)]));
  return value;
}

test('YAML snippets read as PyYAML safe_load reads them (checked against the system python3)', () => {
  const expected = pyyamlReads(SNIPPETS);
  const differences = SNIPPETS.flatMap((snippet, index) => {
    const python = expected[index]!;
    let faultline: { value?: unknown; refused?: string };
    try {
      faultline = { value: asJournal(safeLoad(snippet, () => undefined)) };
    } catch (error) {
      faultline = { refused: (error as Error).message };
    }
    const same =
      'refused' in python
        ? 'refused' in faultline
        : 'value' in faultline && isDeepEqual(faultline.value, python.value);
    return same
      ? []
      : [
          `${JSON.stringify(snippet)}: PyYAML ${JSON.stringify(python)}, faultline ${JSON.stringify(faultline)}`,
        ];
  });
  assert.deepEqual(differences, []);
});

function isDeepEqual(a: unknown, b: unknown): boolean {
  try {
    assert.deepStrictEqual(a, b);
    return true;
  } catch {
    return false;
  }
}

test('refusals say what PyYAML or chaos would do and what to write instead', () => {
  const refusal = (text: string) => {
    try {
      safeLoad(text, () => undefined);
    } catch (error) {
      return (error as Error).message;
    }
    return assert.fail(`${text} was read`);
  };
  assert.match(
    refusal('a: 2001-02-29'),
    /^the timestamp '2001-02-29' is not a date Python can build: day is out of range for month at line 1, column 4/,
  );
  assert.match(
    refusal('a: !!binary aGVsbG8='),
    /^!!binary at line 1, column 13: PyYAML builds bytes, which chaos's journal cannot hold/,
  );
  assert.match(
    refusal('a: {<<: 1}'),
    /^merge key '<<' at line 1, column 5: expected a mapping or list of mappings for merging, but found the scalar 1/,
  );
  assert.match(
    refusal('op: ='),
    /^could not determine a constructor for the tag 'tag:yaml.org,2002:value' at line 1, column 5: .*quote it \('='\)/,
  );
  assert.match(
    refusal('p: &p {x: 1}\nq: &q {x: 2}\na:\n  <<: *p\n  <<: *q\n'),
    /^duplicate key '<<' at line 5, column 3 \(first written at line 4, column 3\): merge several mappings with one key, <<: \[\*first, \*second\]/,
  );
  // PyYAML keeps the last of two equal keys; `yes` and `true` are both True to it.
  assert.match(
    refusal('a: {yes: 1, true: 2}'),
    /^duplicate key 'true' \(first written at line 1\): Map keys must be unique/,
  );
  assert.match(
    refusal('a: {yes: 1, 1: 2}'),
    /^duplicate key '1' at line 1, column 13 \(first written at line 1, column 5 as 'yes'\): PyYAML reads both as the same key \(true == 1\)/,
  );
  assert.match(
    refusal('a: {on: 1, "true": 2}'),
    /^duplicate key 'true' at line 1, column 12 \(first written at line 1, column 5 as 'on'\): both become the key "true"/,
  );
});

test('an anchor merged into many activities is read, as PyYAML reads it, and a billion laughs file is refused', () => {
  const activities = Array.from({ length: 500 }, (_, i) => `  - {<<: *provider, name: a${i}}`).join('\n');
  const document = safeLoad(
    `x: &provider {type: python, module: m}\nmethod:\n${activities}\n`,
    () => undefined,
  );
  assert.deepEqual((document as { method: unknown[] }).method[499], {
    type: 'python',
    module: 'm',
    name: 'a499',
  });
  const laughs = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
  for (const [i, name] of ['b', 'c', 'd', 'e', 'f', 'g'].entries())
    laughs.push(`${name}: &${name} [${Array(10).fill(`*${'abcdefg'[i]}`).join(', ')}]`);
  assert.throws(() => safeLoad(laughs.join('\n'), () => undefined), {
    message: /^the aliases \(\*name\) expand past 10000 copies/,
  });
});

test('an integer beyond 2^53 is read with a warning naming it, as chaos would keep it exact', () => {
  const warnings: string[] = [];
  assert.deepEqual(
    safeLoad('id: 123456789012345678901\n', (message) => warnings.push(message)),
    { id: 123456789012345680000 },
  );
  assert.deepEqual(warnings, [
    'the integer 123456789012345678901 at line 1, column 5 is beyond 2^53: faultline holds it as 123456789012345680000 where chaos keeps it exact; quote it if it is an identifier',
  ]);
});

test("the new user's trial: yes, 0644 and 1_000 in the configuration, a yes tolerance and a merge key run as under chaos", async () => {
  const path = join(tempDirectory('yaml11'), 'experiment.yaml');
  await writeFile(
    path,
    [
      'title: YAML 1.1 values',
      'description: read as chaostoolkit reads them',
      'configuration: {flag: yes, mode: 0644, big: 1_000, target: service-a}',
      'x-defaults: &provider',
      '  type: javascript',
      '  module: ./activities.mjs',
      '  func: value',
      'steady-state-hypothesis:',
      '  title: the flag is on',
      '  probes:',
      '    - type: probe',
      '      name: flag',
      '      tolerance: true',
      '      provider: {<<: *provider, arguments: {value: "${flag}"}}',
      '    - type: probe',
      '      name: yes-tolerance',
      '      tolerance: yes',
      '      provider: {<<: *provider, arguments: {value: true}}',
      'method:',
      '  - type: action',
      '    name: numbers',
      '    provider:',
      '      <<: *provider',
      '      arguments: {value: ["${mode}", "${big}", "${target}"]}',
      '',
    ].join('\n'),
  );
  const document = (await loadExperiment(path)) as Experiment & { configuration: object };
  assert.deepEqual(document.configuration, { flag: true, mode: 420, big: 1000, target: 'service-a' });
  const journal = await run(document);
  assert.equal(journal.steady_states.before?.steady_state_met, true);
  assert.deepEqual(
    journal.run.map((entry) => entry.output),
    [[420, 1000, 'service-a']],
  );
});

test('var files and settings files are read as YAML 1.1 too', async () => {
  const directory = tempDirectory('yaml11');
  const vars = join(directory, 'vars.yaml');
  await writeFile(
    vars,
    'configuration: {mode: 0644, verbose: on, when: 2024-05-01}\nsecrets: {db: {port: 0x1F90}}\n',
  );
  const warnings: string[] = [];
  assert.deepEqual(await loadVarFiles([vars], (message) => warnings.push(message)), {
    vars: {
      configuration: { mode: 420, verbose: true, when: '2024-05-01' },
      secrets: { db: { port: 8080 } },
    },
    unread: [],
  });
  assert.deepEqual(warnings, []);
  const settings = join(directory, 'settings.yaml');
  await writeFile(
    settings,
    'runtime:\n  hypothesis:\n    strategy: default\n  rollbacks: {strategy: always}\nauths: {n: {type: bearer, value: x}}\n',
  );
  const loaded = loadSettings(settings, () => undefined);
  assert.deepEqual(loaded.settings.auths, { n: { type: 'bearer', value: 'x' } });
});
