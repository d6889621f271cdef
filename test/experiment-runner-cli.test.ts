import assert from 'node:assert/strict';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runCli, selfSignedCertificate, tempDirectory } from './helpers.js';

process.env.PYTHONDONTWRITEBYTECODE = '1';

const fixtures = fileURLToPath(new URL('../../test/fixtures/experiment/', import.meta.url));

async function writeExperiment(directory: string, value: object, name = 'experiment.json'): Promise<string> {
  const path = join(directory, name);
  await writeFile(path, JSON.stringify({ title: 't', description: 'd', method: [], ...value }));
  return path;
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const readJournal = async (path: string) =>
  JSON.parse(await readFile(path, 'utf8')) as {
    status: string;
    run: Array<{ activity: { name: string }; output: unknown; status?: string }>;
    rollbacks: Array<{ activity: { name: string } }>;
  };

describe('faultline run: validation and the run share one Python interpreter', () => {
  test('a module is imported once and what validate_control kept is there for the run', async () => {
    const directory = tempDirectory('runfix');
    const source = await writeExperiment(directory, {
      controls: [{ name: 'keeper', provider: { type: 'python', module: 'pyvalidated' } }],
      method: [
        {
          type: 'probe',
          name: 'state',
          provider: { type: 'python', module: 'pyvalidated', func: 'state' },
        },
      ],
    });
    const journalPath = join(directory, 'journal.json');
    const result = await runCli(['run', source, '--journal-path', journalPath], {
      PYTHONPATH: fixtures,
    });
    assert.equal(result.code, 0, result.stderr);
    const journal = await readJournal(journalPath);
    assert.deepEqual(journal.run[0]!.output, { imports: 1, validated: ['keeper'] });
  });
});

describe("faultline run: the settings file's runtime strategies, with chaos run's precedence", () => {
  const rollback = { type: 'action', name: 'undo', provider: { type: 'process', path: 'true' } };
  const probe = {
    type: 'probe',
    name: 'check',
    provider: { type: 'process', path: 'true' },
    tolerance: 0,
  };
  async function runWith(experimentFields: object, settings: string, flags: string[] = []) {
    const directory = tempDirectory('runfix');
    const source = await writeExperiment(directory, {
      'steady-state-hypothesis': { title: 'h', probes: [probe] },
      rollbacks: [rollback],
      ...experimentFields,
    });
    const settingsPath = join(directory, 'settings.yaml');
    await writeFile(settingsPath, settings);
    const journalPath = join(directory, 'journal.json');
    const result = await runCli([
      'run',
      source,
      '--settings',
      settingsPath,
      '--journal-path',
      journalPath,
      ...flags,
    ]);
    assert.equal(result.code, 0, result.stderr);
    const journal = (await readJournal(journalPath)) as Awaited<ReturnType<typeof readJournal>> & {
      steady_states: { before: unknown };
    };
    return { journal, stderr: result.stderr };
  }
  const settings = 'runtime:\n  rollbacks:\n    strategy: never\n  hypothesis:\n    strategy: skip\n';

  test('the settings strategies apply when neither the file nor a flag sets one', async () => {
    const { journal, stderr } = await runWith({}, settings);
    assert.deepEqual(journal.rollbacks, []);
    assert.equal(journal.steady_states.before, null);
    assert.doesNotMatch(stderr, /runtime/);
  });

  test("the experiment's runtime replaces them: what it leaves out is default, as in chaos run", async () => {
    const { journal } = await runWith(
      { runtime: { hypothesis: { strategy: 'before-method-only' } } },
      settings,
    );
    assert.deepEqual(
      journal.rollbacks.map((entry) => entry.activity.name),
      ['undo'],
    );
    assert.notEqual(journal.steady_states.before, null);
  });

  test('an empty runtime block replaces nothing: chaos run only reads one that has a key', async () => {
    const { journal } = await runWith({ runtime: {} }, settings);
    assert.deepEqual(journal.rollbacks, []);
    assert.equal(journal.steady_states.before, null);
  });

  test('the old spelling "continously" runs as continuously, with chaos\'s deprecation warning', async () => {
    const { journal, stderr } = await runWith(
      { runtime: { hypothesis: { strategy: 'continously' } } },
      settings,
    );
    assert.notEqual(journal.steady_states.before, null);
    assert.match(
      stderr,
      /WARNING\] The "--hypothesis-strategy=continously" command is depreciating and will be removed in a future version; instead, please use "--hypothesis-strategy=continuously"\n/,
    );
  });

  test('a flag wins over both', async () => {
    const { journal } = await runWith({ runtime: { rollbacks: { strategy: 'never' } } }, settings, [
      '--rollback-strategy',
      'always',
    ]);
    assert.deepEqual(
      journal.rollbacks.map((entry) => entry.activity.name),
      ['undo'],
    );
  });

  test('an unknown strategy in the settings is refused, naming it', async () => {
    const directory = tempDirectory('runfix');
    const source = await writeExperiment(directory, {});
    const settingsPath = join(directory, 'settings.yaml');
    await writeFile(settingsPath, 'runtime:\n  rollbacks:\n    strategy: sometimes\n');
    const result = await runCli([
      'run',
      source,
      '--settings',
      settingsPath,
      '--journal-path',
      join(directory, 'j.json'),
    ]);
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /runtime\.rollbacks\.strategy in settings file .*settings\.yaml must be one of default, always, never, deviated, received "sometimes"/,
    );
  });
});

describe('faultline validate --no-verify-tls, as chaos validate', () => {
  test('an https experiment URL with a self-signed certificate is refused, and read with the flag', async () => {
    const directory = tempDirectory('runfix');
    const key = join(directory, 'key.pem');
    const cert = join(directory, 'cert.pem');
    selfSignedCertificate(key, cert);
    const body = JSON.stringify({ title: 't', description: 'd', method: [] });
    const server = https.createServer(
      { key: readFileSync(key), cert: readFileSync(cert) },
      (_request, response) => {
        response.setHeader('Content-Type', 'application/json');
        response.end(body);
      },
    );
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/experiment.json`;
      const refused = await runCli(['validate', url]);
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /self[- ]signed certificate/);
      const read = await runCli(['validate', '--no-verify-tls', url]);
      assert.equal(read.code, 0, read.stderr);
      assert.match(read.stderr, /experiment syntax and semantic look valid/);
      assert.doesNotMatch(read.stderr, /WARNING/);
    } finally {
      server.close();
    }
  });

  test('with a file, which it does not act on, run and validate say so and what checks the activities', async () => {
    const directory = tempDirectory('runfix');
    const source = await writeExperiment(directory, {});
    for (const args of [
      ['validate', source, '--no-verify-tls'],
      ['run', source, '--no-verify-tls', '--journal-path', join(directory, 'j.json')],
    ]) {
      const result = await runCli(args);
      assert.equal(result.code, 0, result.stderr);
      assert.match(
        result.stderr,
        /WARNING\] --no-verify-tls does nothing here: it only skips the certificate check of an https:\/\/ experiment URL, and .*experiment\.json is a file; an http activity checks certificates unless it says "verify_tls": false/,
      );
    }
  });
});

describe("faultline accepts chaos's global options", () => {
  test('--verbose --no-version-check --change-dir --log-file --settings before run, and run --no-verify-tls', async () => {
    const directory = tempDirectory('runfix');
    await writeExperiment(directory, {
      method: [
        {
          type: 'probe',
          name: 'level',
          provider: { type: 'python', module: 'faultline_python_fixture', func: 'log_level' },
        },
      ],
      rollbacks: [{ type: 'action', name: 'undo', provider: { type: 'process', path: 'true' } }],
    });
    await writeFile(join(directory, 'settings.yaml'), 'runtime:\n  rollbacks:\n    strategy: never\n');
    const logFile = join(directory, 'run.log');
    const result = await runCli(
      [
        '--verbose',
        '--no-version-check',
        '--change-dir',
        directory,
        '--log-file',
        logFile,
        '--settings',
        'settings.yaml',
        'run',
        'experiment.json',
        '--no-verify-tls',
        '--journal-path',
        'journal.json',
      ],
      { PYTHONPATH: fixtures },
    );
    assert.equal(result.code, 0, result.stderr);
    const journal = await readJournal(join(directory, 'journal.json'));
    assert.deepEqual(
      journal.run.map((entry) => [entry.activity.name, entry.output]),
      [['level', 10]],
      '--verbose: Python logging at DEBUG',
    );
    assert.deepEqual(journal.rollbacks, [], "the global --settings' runtime applies");
    const logged = await readFile(logFile, 'utf8');
    assert.match(logged, /^\[[^\]]+ INFO\] Experiment ended with status: completed$/m);
  });

  test("--log-file holds chaos run's DEBUG lines (settings file, runtime strategies); the console only with --verbose", async () => {
    const directory = tempDirectory('runfix');
    const source = await writeExperiment(directory, {
      runtime: { hypothesis: { strategy: 'before-method-only' } },
    });
    const settingsPath = join(directory, 'settings.yaml');
    await writeFile(settingsPath, 'runtime:\n  rollbacks:\n    strategy: never\n');
    const logFile = join(directory, 'run.log');
    const quiet = await runCli([
      '--log-file',
      logFile,
      '--settings',
      settingsPath,
      'run',
      source,
      '--rollback-strategy',
      'deviated',
      '--journal-path',
      join(directory, 'journal.json'),
    ]);
    assert.equal(quiet.code, 0, quiet.stderr);
    const debugLines = (text: string) =>
      text
        .split('\n')
        .filter((line) => / DEBUG\] /.test(line))
        .map((line) => line.replace(/^\[[^\]]+ DEBUG\] /, ''));
    assert.deepEqual(debugLines(await readFile(logFile, 'utf8')), [
      `Using settings file '${settingsPath}'`,
      'Runtime strategies: hypothesis - before-method-only / rollbacks - deviated',
    ]);
    assert.deepEqual(debugLines(quiet.stderr), [], 'no DEBUG line on the console without --verbose');

    const home = tempDirectory('runhome');
    const verbose = await runCli(['--verbose', 'run', source, '--journal-path', join(directory, 'j2.json')], {
      HOME: home,
    });
    assert.equal(verbose.code, 0, verbose.stderr);
    assert.deepEqual(debugLines(verbose.stderr), [
      `Using settings file '${join(home, '.chaostoolkit', 'settings.yaml')}'`,
      'Runtime strategies: hypothesis - before-method-only / rollbacks - default',
    ]);
  });

  test('--no-log-file, --log-file-level and --log-format json, as chaos reads them before the command', async () => {
    const directory = tempDirectory('runfix');
    const source = await writeExperiment(directory, {
      method: [
        {
          type: 'action',
          name: 'odd',
          provider: { type: 'process', path: 'sh', arguments: ['-c', 'exit 3'] },
        },
      ],
    });
    const journalPath = join(directory, 'journal.json');
    const logFile = join(directory, 'run.log');
    const leveled = await runCli([
      '--log-file',
      logFile,
      '--log-file-level',
      'warning',
      'run',
      source,
      '--journal-path',
      journalPath,
    ]);
    assert.equal(leveled.code, 0, leveled.stderr);
    const logged = (await readFile(logFile, 'utf8')).trim().split('\n');
    assert.ok(logged.length > 0);
    for (const line of logged) assert.match(line, /^\[[^\]]+ (WARNING|ERROR|CRITICAL)\] /);

    const unwritten = join(directory, 'never.log');
    const none = await runCli([
      '--no-log-file',
      '--log-file',
      unwritten,
      'run',
      source,
      '--journal-path',
      journalPath,
    ]);
    assert.equal(none.code, 0, none.stderr);
    assert.equal(existsSync(unwritten), false, '--no-log-file wins over --log-file');

    const json = await runCli(['--log-format', 'json', 'validate', source]);
    assert.equal(json.code, 0, json.stderr);
    const records = json.stderr
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.deepEqual(Object.keys(records.at(-1)!), [
      'process',
      'asctime',
      'levelname',
      'module',
      'lineno',
      'message',
      'context_id',
      'timestamp',
    ]);
    assert.equal(records.at(-1)!.message, 'experiment syntax and semantic look valid');
    assert.equal(records.at(-1)!.levelname, 'INFO');
    assert.match(String(records.at(-1)!.asctime), /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}$/);

    const refused = await runCli(['--log-format', 'xml', 'run', source]);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /Invalid value for '--log-format': 'xml' is not one of 'string', 'json'/);
  });

  test('--change-dir to a missing directory is a usage error naming it', async () => {
    const result = await runCli(['--change-dir', '/nonexistent/faultline-dir', 'run', 'x.json']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--change-dir \/nonexistent\/faultline-dir is not a directory/);
  });
});

describe('faultline run: a var for an env key without default, which validation reads before vars', () => {
  test('the validation error says the var comes after validation, and what to do; --no-validation runs with it', async () => {
    const directory = tempDirectory('runfix');
    const source = await writeExperiment(directory, {
      configuration: { region: { type: 'env', key: 'FAULTLINE_TEST_NO_REGION' } },
      method: [
        { type: 'probe', name: 'p', provider: { type: 'process', path: 'echo', arguments: ['${region}'] } },
      ],
    });
    const journal = join(directory, 'journal.json');
    const refused = await runCli(['run', source, '--var', 'region=eu', '--journal-path', journal]);
    assert.equal(refused.code, 1);
    assert.match(
      refused.stderr,
      /ERROR\] Configuration makes reference to an environment key that does not exist: FAULTLINE_TEST_NO_REGION \(the value given for 'region' by --var or --var-file is applied after validation, as chaos run does: set FAULTLINE_TEST_NO_REGION, give 'region' a "default", or run with --no-validation\)/,
    );
    const plain = await runCli(['run', source, '--journal-path', journal]);
    assert.equal(plain.code, 1);
    assert.doesNotMatch(plain.stderr, /applied after validation/, 'no var, no hint');
    const ran = await runCli([
      'run',
      source,
      '--var',
      'region=eu',
      '--no-validation',
      '--journal-path',
      journal,
    ]);
    assert.equal(ran.code, 0, ran.stderr);
    assert.deepEqual((await readJournal(journal)).run[0]!.output, { status: 0, stdout: 'eu\n', stderr: '' });
  });
});

describe('faultline run --no-validation: lists and activities of the wrong shape', () => {
  test('are refused before the run, naming what they are, not a JavaScript TypeError halfway', async () => {
    const directory = tempDirectory('runfix');
    const source = await writeExperiment(directory, {
      'steady-state-hypothesis': { title: 'h', probes: 5 },
      method: ['x'],
      rollbacks: 'undo',
    });
    const result = await runCli([
      'run',
      source,
      '--no-validation',
      '--journal-path',
      join(directory, 'j.json'),
    ]);
    assert.equal(result.code, 1);
    assert.doesNotMatch(result.stderr, /is not a function|is not iterable|Cannot use 'in'/);
    assert.match(
      result.stderr,
      /ERROR\] steady-state-hypothesis\.probes must be a list of probes; this one is the number 5/,
    );
    assert.match(
      result.stderr,
      /ERROR\] rollbacks must be a list of activities; this one is the text "undo"/,
    );
    assert.match(result.stderr, /ERROR\] an activity is a mapping of keys .*; this one is the text "x"/);
  });

  test('a method that is missing or not a list is refused, not a JavaScript TypeError in the run', async () => {
    const directory = tempDirectory('runnomethod');
    const missing = join(directory, 'missing.json');
    await writeFile(missing, JSON.stringify({ title: 't', description: 'd' }));
    const mapping = await writeExperiment(directory, { method: { a: 1 } }, 'mapping.json');
    for (const [source, said] of [
      [
        missing,
        /ERROR\] the experiment has no method, .*--no-validation.*write "method": \[\] to run no activities/,
      ],
      [mapping, /ERROR\] method must be a list of activities; this one is the value \{"a":1\}/],
    ] as const) {
      const result = await runCli([
        'run',
        source,
        '--no-validation',
        '--journal-path',
        join(directory, 'j.json'),
      ]);
      assert.equal(result.code, 1);
      assert.doesNotMatch(result.stderr, /Cannot read properties|is not a function|is not iterable/);
      assert.match(result.stderr, said);
    }
  });
});

test('a bytes value, from --var or env_var_type, is said to stay text (JSON holds no bytes)', async () => {
  const directory = tempDirectory('runbytes');
  const source = await writeExperiment(directory, {
    configuration: { key: { type: 'env', key: 'HOME', env_var_type: 'bytes' }, salt: 'x' },
  });
  const result = await runCli([
    'run',
    source,
    '--var',
    'salt:bytes=abc',
    '--journal-path',
    join(directory, 'j.json'),
  ]);
  assert.equal(result.code, 0, result.stderr);
  const rule =
    "is typed bytes, which faultline keeps as text (JSON holds no bytes): a Python function gets a str where chaos hands it bytes, and an embedded ${...} renders the text, not chaos's b'...'";
  assert.match(result.stderr, new RegExp(`WARNING\\] --var salt ${escape(rule)}`));
  assert.match(result.stderr, new RegExp(`WARNING\\] configuration 'key' ${escape(rule)}`));
});

describe('faultline run: a bad --var or --var-file is a usage error that says what was wrong, as click', () => {
  const RUN_USAGE = "Usage: faultline run [OPTIONS] SOURCE\nTry 'faultline run --help' for help.\n\n";
  const cases: Array<[string[], string]> = [
    [
      ['--var', 'foo'],
      `${RUN_USAGE}Error: Invalid value for '--var': not enough values to unpack (expected 2, got 1): "foo" should be name[:type]=value\n`,
    ],
    [
      ['--var', 'x:float=abc'],
      `${RUN_USAGE}Error: Invalid value for '--var': could not convert string to float: 'abc'\n`,
    ],
    [
      ['--var', 'x:list=1'],
      `${RUN_USAGE}Error: Invalid value for '--var': variable type can only be: bool, str, int, float, bytes or json\n`,
    ],
    [
      ['--var-file', 'nope-faultline.yaml'],
      `${RUN_USAGE}Error: Invalid value for '--var-file': Path 'nope-faultline.yaml' does not exist.\n`,
    ],
    [
      ['--control-file', 'nope-faultline.yaml'],
      `${RUN_USAGE}Error: Invalid value for '--control-file': Path 'nope-faultline.yaml' does not exist.\n`,
    ],
  ];
  for (const [flags, message] of cases) {
    test(flags.join(' '), async () => {
      const directory = tempDirectory('runvar');
      const source = await writeExperiment(directory, { configuration: { x: 1 } });
      const result = await runCli(['run', source, '--journal-path', join(directory, 'j.json'), ...flags]);
      assert.equal(result.code, 2);
      assert.equal(result.stderr, message);
    });
  }
});

test('a --var-file that exists but does not parse is logged at ERROR and skipped, as merge_vars in chaoslib does', async () => {
  const directory = tempDirectory('runvarbad');
  const source = await writeExperiment(directory, { configuration: { x: 1 } });
  const broken = join(directory, 'vars.json');
  await writeFile(broken, '{"configuration": ');
  const journalPath = join(directory, 'j.json');
  const result = await runCli(['run', source, '--journal-path', journalPath, '--var-file', broken]);
  assert.match(result.stderr, new RegExp(`ERROR\\] Failed to parse var file ${broken}: `));
  assert.equal(result.code, 0);
  assert.equal((await readJournal(journalPath)).status, 'completed');
});

test('run --help says what --fail-on-action-error does to the method and the rollbacks, and what counts as a failed action', async () => {
  const result = await runCli(['run', '--help']);
  assert.equal(result.code, 0);
  assert.match(
    result.stdout.replace(/\s+/g, ' '),
    /--fail-on-action-error stop the method at the first failed action and end the run 'failed' \(so the default rollback strategy plays no rollbacks\)\. An action fails when its provider raises, as in chaos: a process that cannot start or times out, an HTTP request with no answer, a Python or JavaScript exception, a faultline call the server refuses\. A process that exits non-zero and an HTTP error status are not failures: check them with a probe and a tolerance/,
  );
});

describe("chaos's CLI tests (chaostoolkit test_cli.py), against faultline run", () => {
  test('no source: a usage error, exit 2, naming the argument', async () => {
    const result = await runCli(['run']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /\nError: Missing argument 'SOURCE'\.\n$/);
  });

  test("a source that does not exist: exit 1 and chaos's message", async () => {
    const directory = tempDirectory('runfix');
    const result = await runCli(['--change-dir', directory, 'run', 'invalid.jsn']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /\] Path "invalid\.jsn" does not exist\.\n/);
  });

  test('a source that is a directory is said to be one, not to be missing', async () => {
    const directory = tempDirectory('runfix');
    await mkdir(join(directory, 'experiment.json'));
    const result = await runCli(['--change-dir', directory, 'run', 'experiment.json']);
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /\] Path "experiment\.json" is a directory; give the experiment file in it\.\n/,
    );
  });

  test('a source that is not JSON or YAML by its extension: exit 1, nothing run', async () => {
    const directory = tempDirectory('runfix');
    const source = await writeExperiment(directory, {}, 'experiment.txt');
    const journalPath = join(directory, 'journal.json');
    const result = await runCli(['run', source, '--journal-path', journalPath]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /\] only files with json, yaml or yml extensions are supported\n/);
    await assert.rejects(readFile(journalPath), { code: 'ENOENT' });
  });
});

describe('Python global controls as chaoslib runs them (test_control.py)', () => {
  async function runWithGlobalControl(module: string) {
    const directory = tempDirectory('runfix');
    const probe = (name: string) => ({
      type: 'probe',
      name,
      provider: { type: 'python', module: 'os.path', func: 'isdir', arguments: { s: directory } },
    });
    const source = await writeExperiment(directory, {
      'steady-state-hypothesis': { title: 'h', probes: [{ ...probe('h'), tolerance: true }] },
      method: [probe('m')],
      rollbacks: [probe('r')],
    });
    const settingsPath = join(directory, 'settings.yaml');
    await writeFile(
      settingsPath,
      `controls:\n  c:\n    provider:\n      type: python\n      module: ${module}\n`,
    );
    const journalPath = join(directory, 'journal.json');
    const result = await runCli(['--settings', settingsPath, 'run', source, '--journal-path', journalPath], {
      PYTHONPATH: fixtures,
    });
    const journal = JSON.parse(await readFile(journalPath, 'utf8')) as Record<string, unknown> & {
      status: string;
      run: Array<Record<string, unknown>>;
      rollbacks: Array<Record<string, unknown>>;
    };
    return { result, journal };
  }

  test('hooks wrapped by decorators are found and called: every activity is counted', async () => {
    const { result, journal } = await runWithGlobalControl('pydecorated');
    assert.equal(result.code, 0, result.stderr);
    // Two hypothesis checks, one method activity, one rollback.
    assert.equal(journal.activities_seen, 4);
  });

  test('a configure_control that raises leaves the control out of the run, its cleanup too', async () => {
    const { result, journal } = await runWithGlobalControl('pyfailinit');
    assert.equal(result.code, 0, result.stderr);
    assert.equal(journal.status, 'completed');
    assert.deepEqual(
      [...journal.run, ...journal.rollbacks].filter((entry) => 'called_after_a_failed_configure' in entry),
      [],
    );
    assert.match(result.stderr, /Control 'c' failed in configure_control.*RuntimeError: cannot start\n/);
    assert.doesNotMatch(result.stderr, /cleanup_control/);
  });

  test('a cleanup_control that raises does not fail the run it cleans up after', async () => {
    const { result, journal } = await runWithGlobalControl('pyfailcleanup');
    assert.equal(result.code, 0, result.stderr);
    assert.equal(journal.status, 'completed');
    assert.deepEqual(
      [...journal.run, ...journal.rollbacks].map((entry) => entry.seen_by_control),
      [true, true],
    );
    assert.match(result.stderr, /Control 'c' failed in cleanup_control.*RuntimeError: cannot clean up\n/);
  });

  test('every hook, configure_control included, is handed the secrets of the experiment', async () => {
    const directory = tempDirectory('runfix');
    const probe = {
      type: 'probe',
      name: 'p',
      provider: { type: 'python', module: 'os.path', func: 'isdir', arguments: { s: directory } },
    };
    const source = await writeExperiment(directory, {
      secrets: { mystuff: { somesecret: 'somevalue' } },
      controls: [{ name: 'c', provider: { type: 'python', module: 'pysecretsseen', secrets: ['mystuff'] } }],
      'steady-state-hypothesis': { title: 'h', probes: [{ ...probe, tolerance: true }] },
      method: [probe],
      rollbacks: [probe],
    });
    const journalPath = join(directory, 'journal.json');
    const result = await runCli(['run', source, '--journal-path', journalPath], { PYTHONPATH: fixtures });
    assert.equal(result.code, 0, result.stderr);
    const journal = JSON.parse(await readFile(journalPath, 'utf8')) as {
      secrets_seen: Record<string, unknown>;
    };
    const hooks = [
      'configure_control',
      'before_experiment_control',
      'after_experiment_control',
      'before_hypothesis_control',
      'after_hypothesis_control',
      'before_method_control',
      'after_method_control',
      'before_rollback_control',
      'after_rollback_control',
      'before_activity_control',
      'after_activity_control',
    ];
    // The journal masks secret values, so "***" here is the secret's own value.
    assert.deepEqual(
      journal.secrets_seen,
      Object.fromEntries(hooks.map((hook) => [hook, { mystuff: { somesecret: '***' } }])),
    );
  });
});
