import assert from 'node:assert/strict';
import { test } from 'node:test';
import { silentLog } from '../src/experiment/console.js';
import { noLedger } from '../src/experiment/ledger.js';
import { startExperiment } from '../src/experiment/run.js';
import { validateExperiment } from '../src/experiment/validate.js';
import { fixtures, js } from './experiment-helpers.js';

const base = { title: 't', description: 'd', method: [] };
const probe = (extra: object) => ({ ...js('probe', 'p', 'value', { value: 1 }), ...extra });
const withHypothesis = (probes: unknown[]) => ({
  ...base,
  'steady-state-hypothesis': { title: 'h', probes },
});

/** Chaos Toolkit's validation messages, checked in its order (spec §8). */
const cases: Array<[string, unknown, string | RegExp]> = [
  ['empty', {}, 'an empty experiment is not an experiment'],
  ['empty file', null, 'an empty experiment is not an experiment'],
  ['empty list', [], 'an empty experiment is not an experiment'],
  [
    'a text, not a mapping',
    'upstream GET /e.json',
    'an experiment is a mapping of keys (title, description, method, ...); this one is the text "upstream GET /e.json"',
  ],
  [
    'a list, not a mapping',
    [{ title: 't' }],
    'an experiment is a mapping of keys (title, description, method, ...); this one is a list of 1 item',
  ],
  ['a number, not a mapping', 42, /; this one is the number 42$/],
  ['no title', { description: 'd', method: [] }, 'experiment requires a title'],
  ['no description', { title: 't', method: [] }, 'experiment requires a description'],
  ['bad tag', { ...base, tags: ['ok', ''] }, 'experiment tags must be a non-empty string'],
  ['extension without name', { ...base, extensions: [{}] }, 'All extensions require a non-empty name'],
  [
    'missing env configuration',
    { ...base, configuration: { k: { type: 'env', key: 'FAULTLINE_SURELY_UNSET' } } },
    'Configuration makes reference to an environment key that does not exist: FAULTLINE_SURELY_UNSET',
  ],
  [
    'missing env secret',
    { ...base, secrets: { s: { k: { type: 'env', key: 'FAULTLINE_SURELY_UNSET' } } } },
    'Secrets make reference to an environment key that does not exist: FAULTLINE_SURELY_UNSET',
  ],
  [
    'hypothesis without title',
    { ...base, 'steady-state-hypothesis': { probes: [] } },
    'hypothesis requires a title',
  ],
  [
    'probe without tolerance',
    withHypothesis([probe({})]),
    `hypothesis probe must have a tolerance entry (steady-state-hypothesis.probes[0], 'p': add "tolerance", which decides whether the steady state is met)`,
  ],
  [
    'hypothesis ref without tolerance',
    { ...withHypothesis([{ ref: 'p' }]), method: [probe({})] },
    `hypothesis probe must have a tolerance entry (steady-state-hypothesis.probes[0], ref to 'p': add "tolerance", which decides whether the steady state is met)`,
  ],
  [
    'float tolerance',
    withHypothesis([probe({ tolerance: 1.5 })]),
    /^hypothesis probe tolerance must either be an integer/,
  ],
  [
    'null tolerance',
    withHypothesis([probe({ tolerance: null })]),
    /^hypothesis probe tolerance must either be an integer/,
  ],
  [
    'unknown tolerance type',
    withHypothesis([probe({ tolerance: { type: 'magic' } })]),
    `hypothesis probe tolerance type 'magic' is unsupported: use "probe", "regex", "jsonpath" or "range"`,
  ],
  ...(['1', '${t}', 0] as const).map((timeout): [string, unknown, string] => [
    `process timeout ${JSON.stringify(timeout)}`,
    {
      ...base,
      configuration: { t: 1 },
      method: [{ type: 'action', name: 'x', provider: { type: 'process', path: 'true', timeout } }],
    },
    `process activity 'x' has timeout ${JSON.stringify(timeout)}: it must be a number of seconds above 0, written as a number (chaos run neither converts nor substitutes it, and fails on a string)`,
  ]),
  ...(['abc', '1', [1], -2] as const).map((timeout): [string, unknown, string] => [
    `http timeout ${JSON.stringify(timeout)}`,
    {
      ...base,
      method: [{ type: 'probe', name: 'x', provider: { type: 'http', url: 'http://127.0.0.1:9/', timeout } }],
    },
    `a HTTP activity timeout is ${JSON.stringify(timeout)}: use a number of seconds above 0, a [connect, read] pair of them, or "\${name}" (chaos run fails on anything else)`,
  ]),
  [
    'http url with an ftp scheme',
    { ...base, method: [{ type: 'probe', name: 'x', provider: { type: 'http', url: 'ftp://127.0.0.1/f' } }] },
    "a HTTP activity URL must start with http:// or https://; got 'ftp://127.0.0.1/f' (scheme ftp)",
  ],
  [
    'http url that is not absolute',
    {
      ...base,
      method: [{ type: 'probe', name: 'x', provider: { type: 'http', url: '127.0.0.1:9/health' } }],
    },
    "a HTTP activity URL must be absolute, such as http://host:port/path; got '127.0.0.1:9/health'",
  ],
  [
    'negative pause',
    { ...base, method: [{ ...js('action', 'x', 'value'), pauses: { before: -1 } }] },
    "activity before pause is -1 in activity 'x': a pause is a number of seconds, 0 or more (chaos run fails on a negative one)",
  ],
  [
    'tolerance object without type',
    withHypothesis([probe({ tolerance: { pattern: 'x' } })]),
    'hypothesis probe tolerance is an object with no "type": set "type" to "probe", "regex", "jsonpath" or "range" (or use a bool, int, string or list tolerance)',
  ],
  [
    'regex without target on an http probe',
    withHypothesis([
      {
        type: 'probe',
        name: 'web',
        provider: { type: 'http', url: 'http://127.0.0.1:9/' },
        tolerance: { type: 'regex', pattern: 'ok' },
      },
    ]),
    `the regex tolerance of probe 'web' has no "target", so it would test the whole output of the http probe, an object, which cannot be checked (chaos run crashes on it): add "target": "status", "headers" or "body"`,
  ],
  [
    'range without target on a process probe',
    withHypothesis([
      {
        type: 'probe',
        name: 'cmd',
        provider: { type: 'process', path: 'true' },
        tolerance: { type: 'range', range: [0, 1] },
      },
    ]),
    `the range tolerance of probe 'cmd' has no "target", so it would test the whole output of the process probe, an object, which cannot be checked (chaos run crashes on it): add "target": "status", "stdout" or "stderr"`,
  ],
  [
    'regex with an empty target on a process probe (chaoslib: `if target:`, so none)',
    withHypothesis([
      {
        type: 'probe',
        name: 'cmd',
        provider: { type: 'process', path: 'true' },
        tolerance: { type: 'regex', pattern: 'ok', target: '' },
      },
    ]),
    `the regex tolerance of probe 'cmd' has no "target", so it would test the whole output of the process probe, an object, which cannot be checked (chaos run crashes on it): add "target": "status", "stdout" or "stderr"`,
  ],
  [
    'regex without pattern',
    withHypothesis([probe({ tolerance: { type: 'regex' } })]),
    'hypothesis regex probe tolerance must have a `pattern` key',
  ],
  [
    'regex pattern not a string',
    withHypothesis([probe({ tolerance: { type: 'regex', pattern: null } })]),
    'hypothesis probe tolerance pattern None has an invalid type',
  ],
  [
    'regex that does not compile',
    withHypothesis([probe({ tolerance: { type: 'regex', pattern: '[0-9' } })]),
    /^hypothesis probe tolerance pattern \[0-9 seems invalid: /,
  ],
  [
    'jsonpath without path',
    withHypothesis([probe({ tolerance: { type: 'jsonpath' } })]),
    'hypothesis jsonpath probe tolerance must have a `path` key',
  ],
  [
    'jsonpath empty',
    withHypothesis([probe({ tolerance: { type: 'jsonpath', path: '' } })]),
    'hypothesis probe tolerance JSON path cannot be empty',
  ],
  [
    'jsonpath of spaces only (chaoslib strips the path first)',
    withHypothesis([probe({ tolerance: { type: 'jsonpath', path: '  ' } })]),
    'hypothesis probe tolerance JSON path cannot be empty',
  ],
  [
    'jsonpath with ==',
    withHypothesis([probe({ tolerance: { type: 'jsonpath', path: '$.a[?(@.b == 1)]' } })]),
    'hypothesis probe tolerance JSON path $.a[?(@.b == 1)] is invalid',
  ],
  [
    'range without range',
    withHypothesis([probe({ tolerance: { type: 'range' } })]),
    'hypothesis range probe tolerance must have a `range` key',
  ],
  [
    'range not a list',
    withHypothesis([probe({ tolerance: { type: 'range', range: 5 } })]),
    'hypothesis range must be a sequence',
  ],
  [
    'range of three',
    withHypothesis([probe({ tolerance: { type: 'range', range: [1, 2, 3] } })]),
    'hypothesis range sequence must be made of two values',
  ],
  [
    'range bad lower',
    withHypothesis([probe({ tolerance: { type: 'range', range: ['a', 2] } })]),
    'hypothesis range lower boundary must be a number',
  ],
  [
    'range bad upper',
    withHypothesis([probe({ tolerance: { type: 'range', range: [1, 'b'] } })]),
    'hypothesis range upper boundary must be a number',
  ],
  [
    'no method',
    { title: 't', description: 'd' },
    'an experiment requires a method, which can be empty for only checking steady state hypothesis ',
  ],
  [
    'a configuration that is not a mapping',
    { ...base, configuration: 5 },
    'configuration must be a mapping of keys to values; this one is the number 5',
  ],
  [
    'secrets that are a list',
    { ...base, secrets: ['token'] },
    'secrets must be a mapping of keys to values; this one is a list of 1 item',
  ],
  [
    'an env configuration without a key',
    { ...base, configuration: { region: { type: 'env' } } },
    'configuration \'region\' is read from an environment variable ("type": "env") but names none: add "key": "VARIABLE_NAME"',
  ],
  [
    'an env secret without a key',
    { ...base, secrets: { vault: { token: { type: 'env', key: '' } } } },
    'secret \'token\' is read from an environment variable ("type": "env") but names none: add "key": "VARIABLE_NAME"',
  ],
  ['empty activity', { ...base, method: [{}] }, 'empty activity is no activity'],
  [
    'an activity that is a number, not empty',
    { ...base, method: [5] },
    'an activity is a mapping of keys (type, name, provider, ...) or a {"ref": name}; this one is the number 5',
  ],
  [
    'a rollback that is a text',
    { ...base, rollbacks: ['undo'] },
    'an activity is a mapping of keys (type, name, provider, ...) or a {"ref": name}; this one is the text "undo"',
  ],
  [
    'hypothesis probes that are a text, not a list',
    { ...base, 'steady-state-hypothesis': { title: 'h', probes: 'x' } },
    'steady-state-hypothesis.probes must be a list of probes; this one is the text "x"',
  ],
  [
    'rollbacks that are a mapping, not a list',
    { ...base, rollbacks: { a: 1 } },
    'rollbacks must be a list of activities; this one is the value {"a":1}',
  ],
  [
    'rollbacks that are a number',
    { ...base, rollbacks: 5 },
    'rollbacks must be a list of activities; this one is the number 5',
  ],
  ['empty ref', { ...base, method: [{ ref: '' }] }, 'reference to activity must be non-empty strings'],
  [
    'unknown ref',
    { ...base, method: [{ ref: 'ghost' }] },
    "referenced activity 'ghost' could not be found in the experiment",
  ],
  [
    'no type',
    { ...base, method: [{ name: 'x', provider: { type: 'process', path: 'true' } }] },
    'an activity must have a type',
  ],
  [
    'bad type',
    { ...base, method: [{ type: 'spell', name: 'x' }] },
    "'spell' is not a supported activity type",
  ],
  ['no name', { ...base, method: [{ type: 'action' }] }, 'an activity must have a name'],
  ['no provider', { ...base, method: [{ type: 'action', name: 'x' }] }, 'an activity requires a provider'],
  [
    'provider without type',
    { ...base, method: [{ type: 'action', name: 'x', provider: {} }] },
    'a provider must have a type',
  ],
  [
    'unknown provider',
    { ...base, method: [{ type: 'action', name: 'x', provider: { type: 'ruby' } }] },
    "unknown provider type 'ruby'",
  ],
  [
    'bad timeout',
    { ...base, method: [{ ...js('action', 'x', 'value'), timeout: 'soon' }] },
    'activity timeout must be a number; activity \'x\' has "soon"',
  ],
  [
    'bad pause',
    { ...base, method: [{ ...js('action', 'x', 'value'), pauses: { before: 'soon' } }] },
    'activity before pause must be a number or a pattern to a variable from the configuration or secrets; activity \'x\' has "soon"',
  ],
  [
    'bad background',
    { ...base, method: [{ ...js('action', 'x', 'value'), background: 'yes' }] },
    'activity background must be a boolean; activity \'x\' has "yes"',
  ],
  [
    'process without path',
    { ...base, method: [{ type: 'action', name: 'x', provider: { type: 'process' } }] },
    'a process activity must have a path',
  ],
  [
    'process not found',
    {
      ...base,
      method: [{ type: 'action', name: 'x', provider: { type: 'process', path: 'no-such-binary-here' } }],
    },
    "path 'no-such-binary-here' cannot be found, in activity 'x' (a bare name is looked up in PATH; write ./no-such-binary-here or an absolute path for a file of the working directory)",
  ],
  [
    'process not found at a relative path',
    {
      ...base,
      method: [{ type: 'action', name: 'x', provider: { type: 'process', path: './scripts/no-such.sh' } }],
    },
    `path './scripts/no-such.sh' cannot be found, in activity 'x' (a relative path is read from the working directory ${process.cwd()}, not from the experiment's folder, and must name an executable file: run from the folder it is relative to, or write an absolute path)`,
  ],
  [
    'process not found at an absolute path',
    {
      ...base,
      method: [{ type: 'action', name: 'x', provider: { type: 'process', path: '/nonexistent/tool' } }],
    },
    "path '/nonexistent/tool' cannot be found, in activity 'x' (no executable file is there: check the path and that the file has its execute bit, chmod +x)",
  ],
  [
    'process path under ~',
    {
      ...base,
      method: [{ type: 'action', name: 'x', provider: { type: 'process', path: '~/bin/tool' } }],
    },
    "path '~/bin/tool' cannot be found, in activity 'x' (validation does not expand ~, as chaos's does not though its run does: write the absolute path)",
  ],
  [
    'http without url',
    { ...base, method: [{ type: 'action', name: 'x', provider: { type: 'http' } }] },
    'a HTTP activity must have a URL',
  ],
  [
    'http headers not a mapping',
    {
      ...base,
      method: [
        { type: 'action', name: 'x', provider: { type: 'http', url: 'http://127.0.0.1:9', headers: [] } },
      ],
    },
    'a HTTP activities expect headers as a mapping',
  ],
  [
    'python without module',
    { ...base, method: [{ type: 'action', name: 'x', provider: { type: 'python' } }] },
    'a Python activity must have a module path',
  ],
  [
    'python without func',
    { ...base, method: [{ type: 'action', name: 'x', provider: { type: 'python', module: 'os' } }] },
    'a Python activity must have a function name',
  ],
  [
    'python module missing',
    {
      ...base,
      method: [
        { type: 'action', name: 'x', provider: { type: 'python', module: 'no_such_module_x', func: 'f' } },
      ],
    },
    `could not find Python module 'no_such_module_x' in activity 'x' (working directory ${process.cwd()}; install it, or add its folder to PYTHONPATH)`,
  ],
  [
    'python function missing',
    {
      ...base,
      method: [{ type: 'probe', name: 'x', provider: { type: 'python', module: 'os.path', func: 'nope' } }],
    },
    "The python module 'os.path' does not expose a function called 'nope' in probe 'x'",
  ],
  [
    'python argument missing',
    {
      ...base,
      method: [{ type: 'probe', name: 'x', provider: { type: 'python', module: 'os.path', func: 'exists' } }],
    },
    "required argument 'path' is missing from activity 'exists'",
  ],
  [
    'probe tolerance function whose value has no default',
    {
      ...base,
      'steady-state-hypothesis': {
        title: 'h',
        probes: [
          {
            type: 'probe',
            name: 'p',
            provider: { type: 'process', path: 'true' },
            tolerance: {
              type: 'probe',
              name: 'small',
              provider: {
                type: 'python',
                module: 'faultline_python_fixture',
                func: 'at_most',
                arguments: { limit: 3 },
              },
            },
          },
        ],
      },
    },
    "required argument 'value' is missing from activity 'at_most' (a probe tolerance's function is given the probe's output as 'value' when it runs, but validation binds its arguments without it, as chaos's does: give it a default, def f(value=None))",
  ],
  [
    'python argument unknown',
    {
      ...base,
      method: [
        {
          type: 'probe',
          name: 'x',
          provider: { type: 'python', module: 'os.path', func: 'exists', arguments: { path: '/', extra: 1 } },
        },
      ],
    },
    "argument 'extra' is not part of the function signature in activity 'exists'",
  ],
  [
    'javascript function missing',
    { ...base, method: [js('action', 'x', 'nope')] },
    "The JavaScript module './activities.mjs' does not export a function called 'nope' in action 'x'",
  ],
  [
    'faultline function missing',
    {
      ...base,
      method: [
        { type: 'action', name: 'x', provider: { type: 'faultline', module: 'toxics', func: 'explode' } },
      ],
    },
    /^The faultline module 'toxics' has no function 'explode' in action 'x'; functions: add, update, remove, list/,
  ],
  [
    'faultline function misspelt: the closest is named',
    {
      ...base,
      method: [
        {
          type: 'action',
          name: 'x',
          provider: {
            type: 'python',
            module: 'chaostoxi.toxic.actions',
            func: 'create_bandwidth_degradation_toxic',
            arguments: { for_proxy: 'db', toxic_name: 'slow', rate: 10 },
          },
        },
      ],
    },
    /^The faultline module 'chaostoxi\.toxic\.actions' has no function 'create_bandwidth_degradation_toxic' in action 'x' \(did you mean 'create_bandwith_degradation_toxic'\?\); functions: /,
  ],
  [
    'faultline module misspelt: the closest is named',
    {
      ...base,
      method: [{ type: 'action', name: 'x', provider: { type: 'faultline', module: 'toxic', func: 'list' } }],
    },
    /^faultline has no module 'toxic' in activity 'x' \(did you mean 'toxics'\?\); modules: /,
  ],
  ...(
    [
      ['list', ['--flag', 'x']],
      ['string', '--flag x'],
    ] as const
  ).map(([kind, args]): [string, unknown, string] => [
    `probe tolerance with ${kind} arguments`,
    withHypothesis([
      probe({
        tolerance: {
          type: 'probe',
          name: 'check',
          provider: { type: 'process', path: 'true', arguments: args },
        },
      }),
    ]),
    `probe tolerance 'check' has its arguments as a ${kind}: the checked output is passed as the argument "value", which a ${kind} cannot hold (chaos run crashes on it with TypeError); write the arguments as an object ({"--flag": "x"} runs \`PATH --flag x value OUTPUT\`)`,
  ]),
  [
    'unknown ref in rollbacks',
    { ...base, rollbacks: [{ ref: 'ghost' }] },
    "referenced activity 'ghost' could not be found in the experiment",
  ],
];

for (const [label, value, message] of cases) {
  test(`validation: ${label}`, async () => {
    await assert.rejects(validateExperiment(value, fixtures), (error: Error) => {
      if (typeof message === 'string') assert.equal(error.message, message);
      else assert.match(error.message, message);
      return true;
    });
  });
}

test('tags as chaoslib reads them (`if tags:`): empty ones are none, a text is read letter by letter', async () => {
  // `tags:` with nothing after it, in YAML, is null: chaos runs it.
  for (const tags of [null, [], '']) await validateExperiment({ ...base, tags }, fixtures);
  const warnings: string[] = [];
  await validateExperiment({ ...base, tags: 'web' }, fixtures, { warn: (message) => warnings.push(message) });
  assert.deepEqual(warnings, [
    'tags is the text "web", which chaos reads letter by letter as the tags w, e, b: write a list, tags: [web]',
  ]);
  await assert.rejects(validateExperiment({ ...base, tags: 5 }, fixtures), {
    message: 'experiment tags must be a list of non-empty strings; this one is the number 5',
  });
});

test('validation accepts the forms Chaos Toolkit accepts', async () => {
  await validateExperiment(
    {
      ...base,
      tags: ['a'],
      configuration: { fromEnv: { type: 'env', key: 'FAULTLINE_SURELY_UNSET', default: 3 }, plain: 1 },
      'steady-state-hypothesis': {
        title: 'h',
        probes: [
          probe({ tolerance: true }),
          probe({ name: 'q', tolerance: [1, 2] }),
          probe({ name: 'r', tolerance: { type: 'jsonpath', path: '$.foo[?(@.baz="x")].baz' } }),
          probe({ name: 's', tolerance: js('probe', 'check', 'isEven') }),
          { ref: 'p', tolerance: 1 },
        ],
      },
      method: [
        { ...js('action', 'a', 'value'), pauses: { before: '${plain}', after: 0 }, background: true },
        { ref: 'a' },
      ],
    },
    fixtures,
  );
});

test('${name} that string.Template cannot take stays as written, with a warning naming where and what to write', async () => {
  const warnings: string[] = [];
  const value = {
    ...base,
    title: 'reach ${target-host}',
    configuration: { 'some-service': 'http://127.0.0.1:1', ok_name: 'substituted' },
    method: [js('action', 'echo', 'value', { value: '${some-service} ${ok_name} $${not-a-name} ${2nd}' })],
  };
  const valid = await validateExperiment(value, fixtures, { warn: (message) => warnings.push(message) });
  const rule =
    "is left as written, not substituted: a name chaos substitutes is letters, digits and _ and does not start with a digit (Python's string.Template)";
  assert.deepEqual(warnings, [
    `'\${target-host}' in the title ${rule}`,
    `'\${some-service}' in method[0] ('echo').provider ${rule}; rename the key 'some-service' to 'some_service' and write \${some_service}`,
    `'\${2nd}' in method[0] ('echo').provider ${rule}`,
  ]);
  const journal = await startExperiment(valid, { log: silentLog, ledger: noLedger, baseDirectory: fixtures })
    .journal;
  assert.equal(journal.run[0]?.output, '${some-service} substituted ${not-a-name} ${2nd}');
});

test('${name} in a list tolerance, a target or a count, which chaos does not substitute, is named in a warning', async () => {
  const warnings: string[] = [];
  const value = {
    ...base,
    configuration: { ok: 201, low: 1, high: 9, field: 'body', n: 2, status: [200, 201] },
    'steady-state-hypothesis': {
      title: 'h',
      probes: [
        probe({ name: 'list', tolerance: [200, '${ok}'] }),
        probe({ name: 'pair', tolerance: ['${low}', '${high}'] }),
        probe({
          name: 'jp',
          tolerance: { type: 'jsonpath', path: '$.a', target: '${field}', count: '${n}' },
        }),
        probe({ name: 'whole', tolerance: '${status}' }),
        probe({ name: 're', tolerance: { type: 'regex', pattern: '${ok}' } }),
      ],
    },
  };
  await validateExperiment(value, fixtures, { warn: (message) => warnings.push(message) });
  const rule = (name: string) =>
    `is not substituted, as in chaos: only a tolerance written as a string (a whole "\${name}" may hold a list), a regex pattern and a jsonpath path and expect are; the text '\${${name}}' itself is compared`;
  assert.deepEqual(warnings, [
    `'\${ok}' in steady-state-hypothesis.probes[0] ('list').tolerance ${rule('ok')}`,
    `'\${low}' in steady-state-hypothesis.probes[1] ('pair').tolerance ${rule('low')}`,
    `'\${high}' in steady-state-hypothesis.probes[1] ('pair').tolerance ${rule('high')}`,
    `'\${field}' in steady-state-hypothesis.probes[2] ('jp').tolerance.target ${rule('field')}`,
    `'\${n}' in steady-state-hypothesis.probes[2] ('jp').tolerance.count ${rule('n')}`,
  ]);
});

test('every independent error is reported, in the order of the checks; one alone is thrown as chaos throws it', async () => {
  const broken = {
    description: 'd',
    'steady-state-hypothesis': { title: 'h', probes: [probe({})] },
    method: [
      { type: 'action', name: 'a', provider: { type: 'magic' } },
      js('action', 'fine', 'value', { value: 1 }),
    ],
    rollbacks: [{ type: 'action', provider: { type: 'process', path: 'true' } }],
    runtime: { rollbacks: { strategy: 'sometimes' } },
  };
  const expected = [
    'experiment requires a title',
    `hypothesis probe must have a tolerance entry (steady-state-hypothesis.probes[0], 'p': add "tolerance", which decides whether the steady state is met)`,
    "unknown provider type 'magic'",
    'an activity must have a name',
    'runtime.rollbacks.strategy must be one of default, always, never, deviated; received "sometimes"',
  ];
  await assert.rejects(validateExperiment(broken, fixtures), (error: Error & { errors?: Error[] }) => {
    assert.equal(error.name, 'ValidationErrors');
    assert.deepEqual(
      error.errors?.map((each) => each.message),
      expected,
    );
    assert.equal(error.message, `the experiment is not valid, 5 errors: ${expected.join('; ')}`);
    return true;
  });
  await assert.rejects(
    validateExperiment(
      { ...base, method: [{ type: 'action', name: 'a', provider: { type: 'magic' } }] },
      fixtures,
    ),
    { name: 'InvalidActivity', message: "unknown provider type 'magic'" },
  );
  // Without the configuration nothing that reads it is checked: the errors so far, then that one.
  await assert.rejects(
    validateExperiment(
      { ...broken, configuration: { k: { type: 'env', key: 'FAULTLINE_SURELY_UNSET' } } },
      fixtures,
    ),
    (error: Error & { errors?: Error[] }) => {
      assert.deepEqual(
        error.errors?.map((each) => each.message),
        [
          'experiment requires a title',
          'Configuration makes reference to an environment key that does not exist: FAULTLINE_SURELY_UNSET',
        ],
      );
      return true;
    },
  );
});
