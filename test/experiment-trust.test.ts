import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { spawnCli, startHarness, waitFor } from './helpers.js';

const fixtures = fileURLToPath(new URL('../../test/fixtures/experiment/', import.meta.url));
const directories: string[] = [];
after(() => Promise.all(directories.map((path) => rm(path, { recursive: true, force: true }))));

async function temp(): Promise<string> {
  const path = await mkdtemp(join(tmpdir(), 'faultline-trust-'));
  directories.push(path);
  return path;
}

async function writeExperiment(directory: string, value: object, name = 'experiment.json'): Promise<string> {
  const path = join(directory, name);
  await writeFile(path, JSON.stringify({ title: 't', description: 'd', ...value }));
  return path;
}

/** The CLI's result, or a failure naming what hung: a runner that never exits is the bug. */
async function finished(args: string[], timeoutMs = 60_000, env: Record<string, string> = {}) {
  const cli = spawnCli(args, env);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      cli.child.kill('SIGKILL');
      reject(new Error(`faultline ${args[0]} did not exit within ${timeoutMs} ms:\n${cli.output().stderr}`));
    }, timeoutMs);
  });
  try {
    const result = await Promise.race([cli.done, timeout]);
    return { ...result, stderr: result.stderr };
  } finally {
    clearTimeout(timer);
  }
}

const fixtureAction = (name: string, func: string, args: object = {}, extra: object = {}) => ({
  type: 'action',
  name,
  provider: { type: 'javascript', module: join(fixtures, 'activities.mjs'), func, arguments: args },
  ...extra,
});

const touch = (name: string, file: string) => ({
  type: 'action',
  name,
  provider: { type: 'process', path: 'touch', arguments: [file] },
});

const warnings = (stderr: string) => stderr.split('\n').filter((line) => line.includes('WARNING]'));

function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

describe('nothing a user wrote is ignored in silence', () => {
  test('unknown keys at every level are named with the closest known key; --strict refuses them', async () => {
    const directory = await temp();
    const path = await writeExperiment(directory, {
      'steady-state-hypotesis': { title: 'h', probes: [] },
      method: [fixtureAction('a', 'value', { value: 1 }, { pauses: { afterr: 5 } })],
      rollback: [fixtureAction('undo', 'value')],
    });
    const validated = await finished(['validate', path]);
    assert.equal(validated.code, 0, validated.stderr);
    assert.deepEqual(
      warnings(validated.stderr).map((line) => line.replace(/^.*WARNING\] /, '')),
      [
        "unknown key 'steady-state-hypotesis' in the experiment is not read by the runner; did you mean 'steady-state-hypothesis'?",
        "unknown key 'rollback' in the experiment is not read by the runner; did you mean 'rollbacks'?",
        "unknown key 'afterr' in method[0] ('a').pauses is not read by the runner; did you mean 'after'?",
      ],
    );
    assert.match(validated.stderr, /look valid, with 3 warnings above/);

    const strict = await finished(['validate', '--strict', path]);
    assert.equal(strict.code, 1);
    assert.match(
      strict.stderr,
      /ERROR\] --strict: unknown key 'steady-state-hypotesis'.*unknown key 'rollback'.*'afterr'/,
    );

    const marker = join(directory, 'ran');
    const refusing = await writeExperiment(
      directory,
      { method: [touch('mark', marker)], rollback: [] },
      'r.json',
    );
    const run = await finished(['run', refusing, '--strict', '--journal-path', join(directory, 'j.json')]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /--strict: unknown key 'rollback'/);
    assert.equal(existsSync(marker), false, 'nothing ran');
  });

  test('a file using only keys Chaos Toolkit reads gets no warning', async () => {
    const directory = await temp();
    const path = await writeExperiment(directory, {
      version: '1.0.0',
      tags: ['t'],
      contributions: { reliability: 'high' },
      extensions: [{ name: 'vendor', anything: { goes: true } }],
      configuration: { port: { type: 'env', key: 'NO_SUCH_PORT_VAR', default: 8080, env_var_type: 'int' } },
      secrets: { s: { token: { type: 'env', key: 'PATH' } } },
      runtime: { rollbacks: { strategy: 'always' }, hypothesis: { strategy: 'default' } },
      'steady-state-hypothesis': {
        title: 'h',
        probes: [
          {
            type: 'probe',
            name: 'echo',
            provider: { type: 'process', path: 'echo', arguments: ['ok'], timeout: 5 },
            tolerance: { type: 'regex', pattern: 'ok', target: 'stdout' },
            pauses: { before: 0, after: 0 },
          },
        ],
      },
      method: [
        {
          type: 'probe',
          name: 'http',
          provider: {
            type: 'http',
            url: 'http://127.0.0.1:1/',
            method: 'GET',
            headers: {},
            timeout: 1,
            verify_tls: false,
            max_retries: 0,
          },
          background: false,
        },
        { ref: 'echo' },
      ],
      rollbacks: [],
    });
    const validated = await finished(['validate', '--strict', path]);
    assert.equal(validated.code, 0, validated.stderr);
    assert.deepEqual(warnings(validated.stderr), []);
  });

  test('a control whose module cannot be loaded is refused at validation, naming it', async () => {
    const directory = await temp();
    const path = await writeExperiment(directory, {
      controls: [{ name: 'tracing', provider: { type: 'python', module: 'chaostracing.control' } }],
      method: [],
    });
    const validated = await finished(['validate', path]);
    assert.equal(validated.code, 1);
    assert.match(
      validated.stderr,
      /Control 'tracing' could not be loaded: Python module 'chaostracing.control' failed to import \(ModuleNotFoundError/,
    );
  });

  test('--var for a key the experiment does not declare is named; --strict refuses it before running', async () => {
    const directory = await temp();
    const marker = join(directory, 'ran');
    const path = await writeExperiment(directory, {
      configuration: { no_such: 'x' },
      method: [touch('mark', marker)],
    });
    const journal = join(directory, 'j.json');
    const warned = await finished(['run', path, '--var', 'nosuch=1', '--journal-path', journal]);
    assert.equal(warned.code, 0, warned.stderr);
    assert.match(
      warned.stderr,
      /WARNING\] --var nosuch is ignored: the experiment declares no configuration key 'nosuch' \(declared: no_such\); did you mean 'no_such'\?/,
    );
    await rm(marker);
    const strict = await finished(['run', path, '--var', 'nosuch=1', '--strict', '--journal-path', journal]);
    assert.equal(strict.code, 1);
    assert.match(strict.stderr, /ERROR\] --strict: --var nosuch is ignored/);
    assert.equal(existsSync(marker), false, 'nothing ran');
  });

  test('a var file key beside configuration and secrets is named (a typo, a flat key); --strict refuses it before running', async () => {
    const directory = await temp();
    const marker = join(directory, 'ran');
    const path = await writeExperiment(directory, {
      configuration: { lat: 1 },
      method: [touch('mark', marker)],
    });
    const varFile = join(directory, 'vars.yaml');
    await writeFile(varFile, 'configuraton:\n  lat: 7\nlat: 7\n');
    const journal = join(directory, 'j.json');
    const warned = await finished(['run', path, '--var-file', varFile, '--journal-path', journal]);
    assert.equal(warned.code, 0, warned.stderr);
    const shape = 'a var file holds configuration: {KEY: VALUE} and secrets: {SCOPE: {KEY: VALUE}}';
    assert.ok(
      warned.stderr.includes(
        `WARNING] --var-file ${varFile}: top-level key 'configuraton' is not read (${shape}; chaos run ignores other keys too); did you mean 'configuration'?\n`,
      ),
      warned.stderr,
    );
    assert.ok(
      warned.stderr.includes(
        `WARNING] --var-file ${varFile}: top-level key 'lat' is not read (${shape}; chaos run ignores other keys too); to set it, write configuration: {lat: ...}\n`,
      ),
      warned.stderr,
    );
    await rm(marker);
    const strict = await finished([
      'run',
      path,
      '--var-file',
      varFile,
      '--strict',
      '--journal-path',
      journal,
    ]);
    assert.equal(strict.code, 1);
    assert.match(strict.stderr, /ERROR\] --strict: --var-file .*top-level key 'configuraton' is not read/);
    assert.equal(existsSync(marker), false, 'nothing ran');
  });

  test('--fail-fast without checks during the method says it does nothing', async () => {
    const directory = await temp();
    const path = await writeExperiment(directory, { method: [] });
    const result = await finished(['run', path, '--fail-fast', '--journal-path', join(directory, 'j.json')]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(
      result.stderr,
      /WARNING\] --fail-fast only acts on the checks during the method, which the hypothesis strategy 'default' does not make/,
    );
    const during = await finished([
      'run',
      path,
      '--fail-fast',
      '--hypothesis-strategy',
      'continuously',
      '--journal-path',
      join(directory, 'j.json'),
    ]);
    assert.deepEqual(warnings(during.stderr), []);
  });

  test("faultline's own functions have their arguments checked by validate", async () => {
    const directory = await temp();
    const action = (module: string, func: string, args: object) => ({
      type: 'action',
      name: `${module}.${func}`,
      provider: { type: 'faultline', module, func, arguments: args },
    });
    const cases: Array<[object, RegExp]> = [
      [
        action('toxics', 'add', { proxi: 'redis', type: 'latency' }),
        /invalid arguments for toxics\.add in action 'toxics\.add': .*argument 'proxi' is not accepted \(did you mean 'proxy'\?\); accepted: proxy, type, name, stream, toxicity, attributes/,
      ],
      [
        {
          ...action('chaostoxi.toxic.actions', 'create_latency_toxic', {
            for_proxy: 'redis',
            toxic_name: 'slow',
            latency: 'soon',
          }),
        },
        /create_latency_toxic .*argument 'latency': .*number.*received "soon"/,
      ],
      [
        action('process', 'kill', { pidd: 12 }),
        /process\.kill .*argument 'pidd' is not accepted \(did you mean 'pid'\?\)/,
      ],
      [action('stress', 'cpu', { second: 5 }), /stress\.cpu .*second/],
    ];
    for (const [activity, message] of cases) {
      const path = await writeExperiment(directory, { method: [activity] });
      const result = await finished(['validate', path]);
      assert.equal(result.code, 1, `${JSON.stringify(activity)} should be refused`);
      assert.match(result.stderr, message);
    }
    const fine = await writeExperiment(directory, {
      configuration: { port: 6379 },
      method: [
        action('toxics', 'add', { proxy: 'redis', type: 'latency', attributes: { latency: 100 } }),
        action('chaostoxi.proxy.actions', 'create_proxy', {
          proxy_name: 'redis',
          upstream_host: '127.0.0.1',
          upstream_port: '${port}',
        }),
        action('stress', 'cpu', { seconds: 5, cgroup: 'web' }),
        action('process', 'kill', { pid: 1, dryRun: true }),
      ],
    });
    const accepted = await finished(['validate', fine]);
    assert.equal(accepted.code, 0, accepted.stderr);
  });
});

describe('a run that reports honestly and really stops', () => {
  test('an unwritable --journal-path is refused before anything is injected', async () => {
    const directory = await temp();
    const marker = join(directory, 'injected');
    const path = await writeExperiment(directory, { method: [touch('inject', marker)] });
    const result = await finished(['run', path, '--journal-path', join(directory, 'no', 'such', 'j.json')]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /ERROR\] cannot write the journal to .*j\.json \(ENOENT\): nothing was run/);
    assert.equal(existsSync(marker), false, 'the action did not run');
  });

  test('a deviated run logs one final status line, and each rollback by name', async () => {
    const directory = await temp();
    const path = await writeExperiment(directory, {
      'steady-state-hypothesis': {
        title: 'h',
        probes: [
          {
            type: 'probe',
            name: 'flag',
            provider: {
              type: 'javascript',
              module: join(fixtures, 'activities.mjs'),
              func: 'get',
              arguments: { key: 'k' },
            },
            tolerance: [null],
          },
        ],
      },
      method: [fixtureAction('break', 'set', { key: 'k', value: 'x' })],
      rollbacks: [fixtureAction('undo', 'value', { value: 1 })],
    });
    const result = await finished([
      'run',
      path,
      '--journal-path',
      join(directory, 'j.json'),
      '--rollback-strategy',
      'always',
    ]);
    assert.equal(result.code, 1);
    const ended = result.stderr.split('\n').filter((line) => line.includes('Experiment ended with status'));
    assert.deepEqual(
      ended.map((line) => line.replace(/^.*INFO\] /, '')),
      ['Experiment ended with status: deviated'],
    );
    assert.match(result.stderr, /INFO\] Rollback: undo\n.*INFO\] Action: undo/);
  });

  test('SIGTERM to the runner alone stops what it started, plays rollbacks per strategy, and the runner exits', async () => {
    const directory = await temp();
    const pidFile = join(directory, 'child.pid');
    const undone = join(directory, 'undone');
    const path = await writeExperiment(directory, {
      method: [
        {
          type: 'action',
          name: 'long child',
          background: true,
          // A shell whose child would survive a signal to the shell alone.
          provider: { type: 'process', path: 'sh', arguments: `-c 'sleep 600 & echo $! > ${pidFile}; wait'` },
        },
        fixtureAction('hold', 'value', { value: 1 }, { pauses: { after: 600 } }),
      ],
      rollbacks: [touch('undo', undone)],
    });
    for (const [strategy, rollbacks] of [
      ['always', ['undo']],
      ['default', []],
    ] as const) {
      await rm(pidFile, { force: true });
      const journalPath = join(directory, `${strategy}.json`);
      const cli = spawnCli([
        'run',
        path,
        '--journal-path',
        journalPath,
        '--rollback-strategy',
        strategy,
        '--ledger-dir',
        join(directory, 'ledger'),
      ]);
      await waitFor(
        () => existsSync(pidFile) && cli.output().stderr.includes('Pausing after activity'),
        'the child to start and the pause to begin',
        20_000,
      );
      const child = Number((await readFile(pidFile, 'utf8')).trim());
      after(() => {
        if (alive(child)) process.kill(child, 'SIGKILL');
      });
      assert.ok(alive(child), 'the child runs before the signal');
      process.kill(cli.child.pid!, 'SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const result = await Promise.race([
        cli.done,
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`the runner did not exit:\n${cli.output().stderr}`)),
            30_000,
          );
        }),
      ]).finally(() => clearTimeout(timer));
      assert.equal(result.code, 1, result.stderr);
      await waitFor(() => !alive(child), `child ${child} to be gone`, 10_000);
      const journal = JSON.parse(await readFile(journalPath, 'utf8'));
      assert.equal(journal.status, 'interrupted');
      assert.deepEqual(
        journal.rollbacks.map((entry: { activity: { name: string } }) => entry.activity.name),
        rollbacks,
      );
      assert.equal(existsSync(undone), rollbacks.length > 0);
      await rm(undone, { force: true });
    }
  });

  test('--max-duration also stops what the run started (a stress from an action that returned), then plays the rollbacks', async () => {
    const directory = await temp();
    const undone = join(directory, 'undone');
    const path = await writeExperiment(directory, {
      method: [
        {
          type: 'action',
          name: 'stress',
          provider: {
            type: 'faultline',
            module: 'stress',
            func: 'cpu',
            arguments: { workers: 1, percent: 5, seconds: 300 },
          },
        },
        fixtureAction('hold', 'value', { value: 1 }, { pauses: { after: 600 } }),
      ],
      rollbacks: [touch('undo', undone)],
    });
    const journalPath = join(directory, 'j.json');
    const result = await finished([
      'run',
      path,
      '--journal-path',
      journalPath,
      '--max-duration',
      '3',
      '--ledger-dir',
      join(directory, 'ledger'),
    ]);
    const journal = JSON.parse(await readFile(journalPath, 'utf8'));
    const stress = Number(journal.run[0].output.pid);
    after(() => {
      if (alive(stress)) process.kill(stress, 'SIGKILL');
    });
    assert.equal(result.code, 1, result.stderr);
    assert.equal(journal.status, 'interrupted');
    await waitFor(() => !alive(stress), `stress ${stress} to be gone`, 10_000);
    assert.equal(existsSync(undone), true, 'the rollback ran');
  });

  test('a JavaScript activity past its timeout is ended, and a run whose activity left a timer open still exits', async () => {
    const directory = await temp();
    const path = await writeExperiment(directory, {
      method: [
        {
          ...fixtureAction('spin', 'spin'),
          provider: {
            type: 'javascript',
            module: join(fixtures, 'activities.mjs'),
            func: 'spin',
            timeout: 1,
          },
        },
        fixtureAction('after the spin', 'value', { value: 'still running' }),
        fixtureAction('leave a timer', 'openHandle'),
      ],
    });
    const journalPath = join(directory, 'j.json');
    const result = await finished(['run', path, '--journal-path', journalPath], 30_000);
    assert.equal(result.code, 0, result.stderr);
    const journal = JSON.parse(await readFile(journalPath, 'utf8'));
    assert.deepEqual(
      journal.run.map((entry: { status: string; output: unknown }) => [entry.status, entry.output]),
      [
        ['failed', null],
        ['succeeded', 'still running'],
        ['succeeded', 'left a timer running'],
      ],
    );
    assert.equal(
      journal.run[0].exception.at(-1),
      'chaoslib.exceptions.ActivityFailed: javascript activity took too long to complete\n',
    );
  });

  test('an interrupted JavaScript activity that ignores its signal is ended, and the rollbacks still run', async () => {
    const directory = await temp();
    const path = await writeExperiment(directory, {
      method: [fixtureAction('spin', 'spin')],
      rollbacks: [fixtureAction('undo', 'value', { value: 'undone' })],
    });
    const journalPath = join(directory, 'j.json');
    const cli = spawnCli(['run', path, '--journal-path', journalPath, '--rollback-strategy', 'always']);
    await waitFor(
      () => cli.output().stderr.includes('Action: spin'),
      'the spinning activity to start',
      20_000,
    );
    process.kill(cli.child.pid!, 'SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const result = await Promise.race([
      cli.done,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`the runner did not exit:\n${cli.output().stderr}`)),
          30_000,
        );
      }),
    ]).finally(() => clearTimeout(timer));
    assert.equal(result.code, 1, result.stderr);
    const journal = JSON.parse(await readFile(journalPath, 'utf8'));
    assert.equal(journal.status, 'interrupted');
    assert.equal(journal.run[0].status, undefined, 'the interrupted activity has no status, as in chaos run');
    assert.deepEqual(
      journal.rollbacks.map((entry: { status: string; output: unknown }) => [entry.status, entry.output]),
      [['succeeded', 'undone']],
    );
  });

  test('chaostoxi create_proxy listens on 127.0.0.1 unless told otherwise', async () => {
    const harness = await startHarness();
    after(() => harness.close());
    const directory = await temp();
    const create = (name: string, extra: object) => ({
      type: 'action',
      name,
      provider: {
        type: 'python',
        module: 'chaostoxi.proxy.actions',
        func: 'create_proxy',
        arguments: { proxy_name: name, upstream_host: '127.0.0.1', upstream_port: 9, ...extra },
      },
    });
    const path = await writeExperiment(directory, {
      configuration: { toxiproxy_url: harness.url },
      method: [create('quiet', {}), create('told', { listen_host: '127.0.0.2' })],
    });
    const result = await finished([
      'run',
      path,
      '--journal-path',
      join(directory, 'j.json'),
      '--ledger-dir',
      join(directory, 'ledger'),
    ]);
    assert.equal(result.code, 0, result.stderr);
    const listen = async (name: string) =>
      (await harness.api('GET', `/proxies/${name}`)).json.listen as string;
    assert.match(await listen('quiet'), /^127\.0\.0\.1:\d+$/);
    assert.match(await listen('told'), /^127\.0\.0\.2:\d+$/);
  });
});
