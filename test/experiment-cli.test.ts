import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  createProxy,
  launchChromium,
  spawnCli,
  startEchoServer,
  startHarness,
  startTcpServer,
  tempDirectory,
  waitFor,
} from './helpers.js';

const seeds = fileURLToPath(new URL('../../test/fixtures/seeds/', import.meta.url));
const fixtures = fileURLToPath(new URL('../../test/fixtures/experiment/', import.meta.url));

function start(args: string[], env: Record<string, string> = {}) {
  const cli = spawnCli(args, env);
  return { child: cli.child, done: cli.done, stderr: () => cli.output().stderr };
}

const temp = async () => tempDirectory('run');
const readJournal = async (path: string) => JSON.parse(await readFile(path, 'utf8'));

async function writeExperiment(directory: string, value: object): Promise<string> {
  const path = join(directory, 'experiment.json');
  await writeFile(path, JSON.stringify({ title: 't', description: 'd', ...value }));
  return path;
}

const fixtureAction = (name: string, func: string, args: object = {}) => ({
  type: 'action',
  name,
  provider: { type: 'javascript', module: join(fixtures, 'activities.mjs'), func, arguments: args },
});

describe('the seed experiments', () => {
  test('seed 003: the echo-server experiment, Python functions replaced by JavaScript ones, against a real echo server', async () => {
    const lines: string[] = [];
    const echo = await startTcpServer((socket) => {
      let buffer = '';
      socket.on('data', (chunk) => {
        buffer += chunk;
        for (let end = buffer.indexOf('\n'); end >= 0; end = buffer.indexOf('\n')) {
          const line = buffer.slice(0, end);
          buffer = buffer.slice(end + 1);
          lines.push(line);
          socket.write(`${line}\n`);
          if (line.trim() === 'bye') socket.end();
        }
      });
    });
    const directory = await temp();
    const journalPath = join(directory, 'journal.json');
    const result = await start([
      'run',
      join(seeds, 'echo-server.json'),
      '--journal-path',
      journalPath,
      '--var',
      `echo_port:int=${echo.port}`,
    ]).done;
    assert.equal(result.code, 0, result.stderr);
    const journal = await readJournal(journalPath);
    assert.equal(journal.status, 'completed');
    assert.equal(journal.deviated, false);
    assert.equal(journal.experiment.title, 'Validating High-Availability of the Echo server.');
    for (const phase of ['before', 'after']) {
      assert.equal(journal.steady_states[phase].steady_state_met, true);
      assert.deepEqual(
        journal.steady_states[phase].probes.map((probe: { output: unknown; tolerance_met: boolean }) => [
          probe.output,
          probe.tolerance_met,
        ]),
        [
          [true, true],
          [phase === 'before' ? 2 : 1, true],
          [1, true],
          [phase === 'before' ? 1 : 0, true],
        ],
      );
    }
    assert.equal(journal.run.length, 1);
    assert.deepEqual(journal.run[0].output, [
      { InstanceId: 'i-master', CurrentState: { Name: 'shutting-down' } },
    ]);
    assert.ok(journal.duration >= 10, 'the 10 s pause after terminating the master was kept');
    assert.ok(lines.includes('testing text') && lines.includes('bye'));
    assert.match(
      result.stderr,
      /\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d INFO\] Pausing after activity for 10s\.\.\./,
    );
  });

  test('seed 002: the Zeebe deployment-distribution experiment, scripts replaced by local stand-ins', async () => {
    const state = await temp();
    const directory = await temp();
    const journalPath = join(directory, 'journal.json');
    const result = await start(
      ['run', join(seeds, 'zeebe-deployment-distribution.json'), '--journal-path', journalPath],
      {
        PATH: `${join(seeds, 'zeebe-bin')}:${process.env.PATH}`,
        ZEEBE_STATE: state,
      },
    ).done;
    assert.equal(result.code, 0, result.stderr);
    const journal = await readJournal(journalPath);
    assert.deepEqual([journal.status, journal.deviated], ['completed', false]);
    assert.deepEqual(
      journal.run.map((entry: { activity: { name: string }; status: string; output: { status: number } }) => [
        entry.activity.name,
        entry.status,
        entry.output.status,
      ]),
      [
        ['Create network partition between leaders', 'succeeded', 0],
        ['Deploy different deployment versions.', 'succeeded', 0],
        ['Delete network partition', 'succeeded', 0],
        ['Create workflow instance of latest version on partition one', 'succeeded', 0],
        ['Create workflow instance of latest version on partition two', 'succeeded', 0],
        ['Create workflow instance of latest version on partition three', 'succeeded', 0],
      ],
    );
    assert.equal(journal.run[1].output.stdout, 'deployed 10 versions as Follower 3\n');
    assert.deepEqual(journal.rollbacks, []);
    const logged = result.stderr.split('\n').map((line) => line.replace(/^\[[^\]]+ (\w+)\] /, '$1 '));
    // The seed puts tolerances on method probes, which chaos run does not check either: said once each.
    const unchecked = (index: number, partition: string) =>
      `WARNING 'tolerance' on method[${index}] ('Create workflow instance of latest version on partition ${partition}') is not checked (chaos run checks tolerances only in the steady-state hypothesis and in safeguard probes): move the probe to the hypothesis, or use --fail-fast with a continuous hypothesis`;
    assert.deepEqual(logged.slice(0, 13), [
      "INFO Validating the experiment's syntax",
      unchecked(3, 'one'),
      unchecked(4, 'two'),
      unchecked(5, 'three'),
      'INFO Experiment looks valid',
      'INFO Running experiment: Zeebe deployment distribution',
      'INFO Steady-state strategy: default',
      'INFO Rollbacks strategy: default',
      'INFO Steady state hypothesis: Zeebe is alive',
      'INFO Probe: All pods should be ready',
      'INFO Steady state hypothesis is met!',
      "INFO Playing your experiment's method now...",
      'INFO Action: Create network partition between leaders',
    ]);
    assert.deepEqual(logged.filter(Boolean).slice(-3), [
      "INFO Let's rollback...",
      "INFO No declared rollbacks, let's move on.",
      'INFO Experiment ended with status: completed',
    ]);
  });
});

describe('faultline run, validate and rollback', () => {
  test('exit 1 with the journal when the hypothesis deviates; exit 1 with the message when the experiment is invalid', async () => {
    const directory = await temp();
    const path = await writeExperiment(directory, {
      'steady-state-hypothesis': {
        title: 'h',
        probes: [{ ...fixtureAction('read', 'get', { key: 'cli-flag' }), type: 'probe', tolerance: [null] }],
      },
      method: [fixtureAction('break', 'set', { key: 'cli-flag', value: 'x' })],
    });
    const deviated = await start(['run', path, '--journal-path', join(directory, 'j.json')]).done;
    assert.equal(deviated.code, 1);
    assert.match(deviated.stderr, /INFO\] Experiment ended with status: deviated/);
    assert.equal((await readJournal(join(directory, 'j.json'))).deviated, true);
    const invalid = await writeExperiment(directory, { method: [{ type: 'action', name: 'x' }] });
    const refused = await start(['run', invalid]).done;
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /ERROR\] an activity requires a provider/);
    assert.equal((await start(['validate', invalid]).done).code, 1);
    const twice = await writeExperiment(directory, {
      method: [{ type: 'action', name: 'x' }],
      rollbacks: [{ type: 'action', name: 'y', provider: { type: 'magic' } }],
    });
    const both = await start(['validate', twice]).done;
    assert.equal(both.code, 1);
    assert.match(
      both.stderr,
      /ERROR\] an activity requires a provider\n\[[^\]]* ERROR\] unknown provider type 'magic'\n$/,
      'each error on its own line',
    );
    const fine = await writeExperiment(directory, { method: [] });
    const validated = await start(['validate', fine]).done;
    assert.equal(validated.code, 0);
    assert.match(validated.stderr, /experiment syntax and semantic look valid/);
    assert.equal((await start(['run', fine, '--dry', 'bogus']).done).code, 2);
    assert.match(
      (await start(['run', join(directory, 'missing.json')]).done).stderr,
      /Path ".*missing\.json" does not exist\./,
    );
  });

  test('SIGINT interrupts the run: status interrupted, journal written, exit 1', async () => {
    const directory = await temp();
    const path = await writeExperiment(directory, {
      method: [fixtureAction('long', 'wait', { ms: 60_000 })],
      rollbacks: [fixtureAction('undo', 'value')],
    });
    const journalPath = join(directory, 'journal.json');
    const running = start(['run', path, '--journal-path', journalPath, '--rollback-strategy', 'always']);
    await waitFor(() => running.stderr().includes('Action: long'), 'the long action to start');
    process.kill(running.child.pid!, 'SIGINT');
    const result = await running.done;
    assert.equal(result.code, 1);
    const journal = await readJournal(journalPath);
    assert.equal(journal.status, 'interrupted');
    assert.deepEqual(
      journal.rollbacks.map((entry: { activity: { name: string } }) => entry.activity.name),
      ['undo'],
    );
  });

  test('a runner killed with SIGKILL leaves a ledger; faultline rollback undoes its faults', async () => {
    const harness = await startHarness();
    const echo = await startEchoServer();
    await createProxy(harness, 'victim', echo.address);
    const directory = await temp();
    const ledgerDir = join(directory, 'ledger');
    const path = await writeExperiment(directory, {
      configuration: { faultline_url: harness.url },
      method: [
        {
          type: 'action',
          name: 'cut',
          provider: {
            type: 'faultline',
            module: 'toxics',
            func: 'add',
            arguments: { proxy: 'victim', name: 'cut', type: 'timeout' },
          },
        },
        {
          type: 'action',
          name: 'disable',
          provider: { type: 'faultline', module: 'proxies', func: 'disable', arguments: { name: 'victim' } },
        },
        fixtureAction('hold', 'wait', { ms: 60_000 }),
      ],
    });
    const running = start([
      'run',
      path,
      '--journal-path',
      join(directory, 'j.json'),
      '--ledger-dir',
      ledgerDir,
    ]);
    await waitFor(() => running.stderr().includes('Action: hold'), 'the faults to be injected');
    process.kill(running.child.pid!, 'SIGKILL');
    await running.done;
    assert.equal((await harness.api('GET', '/proxies/victim')).json.enabled, false);
    const preview = await start(['rollback', '--ledger-dir', ledgerDir, '--dry-run']).done;
    assert.match(preview.stdout, /would undo: disabled proxy victim \(http/);
    const rolled = await start(['rollback', '--ledger-dir', ledgerDir]).done;
    assert.equal(rolled.code, 0, rolled.stderr);
    assert.match(
      rolled.stdout,
      /undone: disabled proxy victim \(http:[^\n]*\n[\s\S]*undone: added timeout toxic cut on victim/,
    );
    const proxy = (await harness.api('GET', '/proxies/victim')).json;
    assert.equal(proxy.enabled, true);
    assert.deepEqual(proxy.toxics, []);
    assert.match((await start(['rollback', '--ledger-dir', ledgerDir]).done).stdout, /nothing to roll back/);
  });

  test('faultline rollback undoes the newest left-behind run first', async () => {
    const harness = await startHarness();
    const echo = await startEchoServer();
    await createProxy(harness, 'base', echo.address);
    await harness.api('POST', '/proxies/base/toxics', {
      name: 'slow',
      type: 'latency',
      attributes: { latency: 5 },
    });
    const directory = await temp();
    const ledgerDir = join(directory, 'ledger');
    await mkdir(ledgerDir);
    const gone = spawn('true');
    await once(gone, 'exit');
    const ledger = (run: string, entry: object) =>
      writeFile(
        join(ledgerDir, `${run}.jsonl`),
        [
          {
            format: 1,
            run,
            pid: gone.pid,
            startTime: null,
            uid: process.getuid!(),
            cwd: directory,
            experiment: run,
            started: '2026-01-01T00:00:00.000Z',
          },
          { seq: 1, time: '2026-01-01T00:00:00.000Z', server: harness.url, ...entry },
        ]
          .map((line) => JSON.stringify(line))
          .join('\n') + '\n',
      );
    await ledger('2026-01-01T00-00-00-000Z-earlier', {
      description: 'created proxy base',
      undo: { kind: 'delete-proxy', proxy: 'base' },
    });
    await ledger('2026-01-01T00-00-01-000Z-later', {
      description: 'added latency toxic slow on base',
      undo: { kind: 'remove-toxic', proxy: 'base', toxic: 'slow' },
    });
    const rolled = await start(['rollback', '--ledger-dir', ledgerDir]).done;
    assert.equal(rolled.code, 0, rolled.stderr);
    assert.match(
      rolled.stdout,
      /run 2026-01-01T00-00-01-000Z-later[\s\S]*undone: added latency toxic slow on base[\s\S]*run 2026-01-01T00-00-00-000Z-earlier[\s\S]*undone: created proxy base/,
    );
    assert.equal((await harness.api('GET', '/proxies/base')).status, 404);
  });

  test('a run whose rollbacks took back its faults leaves no ledger behind', async () => {
    const harness = await startHarness();
    const echo = await startEchoServer();
    await createProxy(harness, 'tidy', echo.address);
    const directory = await temp();
    const path = await writeExperiment(directory, {
      configuration: { faultline_url: harness.url },
      method: [
        {
          type: 'action',
          name: 'lag',
          provider: {
            type: 'faultline',
            module: 'toxics',
            func: 'add',
            arguments: { proxy: 'tidy', type: 'latency' },
          },
        },
      ],
      rollbacks: [
        {
          type: 'action',
          name: 'unlag',
          provider: {
            type: 'faultline',
            module: 'toxics',
            func: 'remove',
            arguments: { proxy: 'tidy', name: 'latency_downstream' },
          },
        },
      ],
    });
    const result = await start([
      'run',
      path,
      '--journal-path',
      join(directory, 'j.json'),
      '--ledger-dir',
      join(directory, 'ledger'),
    ]).done;
    assert.equal(result.code, 0, result.stderr);
    assert.match(
      (await start(['rollback', '--ledger-dir', join(directory, 'ledger')]).done).stdout,
      /nothing to roll back/,
    );
  });
});

describe('faultline report', () => {
  test('Markdown and HTML reports; the HTML renders in headless Chromium with one timeline row per activity', async () => {
    const directory = await temp();
    const path = await writeExperiment(directory, {
      'steady-state-hypothesis': {
        title: 'h',
        probes: [{ ...fixtureAction('ok', 'value', { value: 1 }), type: 'probe', tolerance: 1 }],
      },
      method: [
        fixtureAction('first', 'value'),
        fixtureAction('<b>escaped</b>', 'fail', { message: 'kaput' }),
      ],
      rollbacks: [fixtureAction('undo', 'value')],
    });
    const journalPath = join(directory, 'journal.json');
    assert.equal((await start(['run', path, '--journal-path', journalPath]).done).code, 0);
    const markdown = await start(['report', journalPath]).done;
    assert.match(markdown.stdout, /^# t\n/);
    assert.match(markdown.stdout, /\| Status \| \*\*completed\*\* \|/);
    assert.match(markdown.stdout, /\| method \| <b>escaped<\/b> \(action\) \| failed \|/);
    const html = join(directory, 'report.html');
    assert.equal((await start(['report', journalPath, '-o', html]).done).code, 0);
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const requests: string[] = [];
      page.on('request', (request) => requests.push(request.url()));
      await page.goto(`file://${html}`);
      assert.equal(await page.locator('#status').textContent(), 'completed');
      const rows = page.locator('#timeline .row');
      assert.equal(await rows.count(), 5, 'a probe before and after, two method actions, one rollback');
      assert.equal(
        await page.locator('#timeline .row[data-status="failed"] .label').textContent(),
        'method <b>escaped</b>',
      );
      assert.equal(await page.locator('h2:text("Method") + table tbody tr').count(), 2);
      assert.equal(await page.locator('h2:text("Rollbacks") + table tbody tr').count(), 1);
      const box = await page.locator('#timeline .row[data-phase="rollback"] .bar').boundingBox();
      assert.ok(box && box.width > 0, 'bars are drawn');
      assert.deepEqual(
        requests.filter((url) => !url.startsWith('file://')),
        [],
        'the report is self-contained',
      );
      assert.ok((await page.screenshot({ fullPage: true })).length > 1000);
    } finally {
      await browser.close();
    }
  });

  test('a file that is not a journal is refused', async () => {
    const directory = await temp();
    const path = join(directory, 'x.json');
    await writeFile(path, '{"hello":1}');
    const result = await start(['report', path]).done;
    assert.equal(result.code, 2);
    assert.match(result.stderr, /is not a journal/);
    await writeFile(
      path,
      '{"steady_states":{"before":null,"after":null,"during":[]},"run":[],"rollbacks":{}}',
    );
    const partial = await start(['report', path]).done;
    assert.equal(partial.code, 2);
    assert.match(
      partial.stderr,
      /x\.json is not a journal: it has no experiment \(an object\), start \(a time\), duration \(a number of seconds\), rollbacks \(a list\) \(a journal from faultline run or chaos run has experiment, start, duration, steady_states, run and rollbacks\)/,
    );
  });

  test('a report that cannot be written names -o, the path and what to do; exit 2', async () => {
    const directory = await temp();
    const path = join(directory, 'journal.json');
    const journal = {
      experiment: { title: 't' },
      start: '2026-12-03T21:00:00.000000+00:00',
      status: 'completed',
      deviated: false,
      steady_states: { before: null, after: null, during: [] },
      run: [],
      rollbacks: [],
      end: '2026-12-03T21:00:01.000000+00:00',
      duration: 1,
    };
    await writeFile(path, JSON.stringify(journal));
    const output = join(directory, 'missing', 'report.html');
    const result = await start(['report', path, '-o', output]).done;
    assert.equal(result.code, 2);
    assert.match(
      result.stderr,
      new RegExp(
        `cannot write the report to -o ${output.replaceAll('.', '\\.')}: ENOENT: .*; name a file in a directory that exists and that you may write to`,
      ),
    );
  });
});
