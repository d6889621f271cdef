import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { lazyLedger } from '../src/cli/server-access.js';
import { createEngine } from '../src/proxy/engine.js';
import { createControlServer } from '../src/server/app.js';
import { closedPort, runCli, spawnCli, startEchoServer, tempDirectory, waitFor } from './helpers.js';

/** A run's ledger and everything it writes stay in this test's own directory, never the user's. */
const directory = tempDirectory('halt');
const ledgerDir = join(directory, 'ledger');

const engine = createEngine({ busyPollMicroseconds: 0 });
const control = createControlServer({ engine, ledger: lazyLedger(ledgerDir, () => undefined) });
control.http.listen(0, '127.0.0.1');
await once(control.http, 'listening');
const url = `http://127.0.0.1:${(control.http.address() as AddressInfo).port}`;
after(async () => {
  engine.close();
  await control.close();
});
const echo = await startEchoServer();

const stressPids: number[] = [];
after(() => {
  for (const pid of stressPids) if (alive(pid)) process.kill(pid, 'SIGKILL');
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');
  } catch {
    return false;
  }
}

async function api(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const response = await fetch(`${url}${path}`, {
    method,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, json: text === '' ? undefined : JSON.parse(text) };
}

/** A method that adds a toxic, starts a CPU stress and then waits ten minutes; one rollback that leaves a mark. */
function writeExperiment(name: string, mark: string): string {
  const path = join(directory, `${name}.json`);
  writeFileSync(
    path,
    JSON.stringify({
      title: name,
      description: 'halt reaches a run in its method',
      configuration: { faultline_url: url },
      method: [
        {
          type: 'action',
          name: 'slow the api',
          provider: {
            type: 'faultline',
            module: 'toxics',
            func: 'add',
            arguments: { proxy: 'api', name: 'slow', type: 'latency', attributes: { latency: 2000 } },
          },
        },
        {
          type: 'action',
          name: 'burn cpu',
          provider: {
            type: 'faultline',
            module: 'stress',
            func: 'cpu',
            arguments: { workers: 1, percent: 5, seconds: 600 },
          },
          // The run waits here; a process activity to wait on would be in the ledger while it ran.
          pauses: { after: 600 },
        },
      ],
      rollbacks: [
        {
          type: 'action',
          name: 'leave a mark',
          provider: { type: 'process', path: 'touch', arguments: [mark] },
        },
        {
          type: 'action',
          name: 'remove the slow toxic',
          provider: {
            type: 'faultline',
            module: 'toxics',
            func: 'remove',
            arguments: { proxy: 'api', name: 'slow' },
          },
        },
      ],
    }),
  );
  return path;
}

/** The stress worker's pid, once the run has recorded both of its faults in the ledger. */
async function stressOfRun(): Promise<number> {
  let faults: Array<{ kind: string; what: string }> = [];
  await waitFor(
    async () => {
      faults = (await api('GET', '/ledger')).json;
      return faults.length === 2;
    },
    'the run to record its toxic and its stress',
    60_000,
  );
  assert.deepEqual(
    faults.map((fault) => fault.kind),
    ['remove-toxic', 'stop-process'],
  );
  const pid = Number(/pid (\d+)/.exec(faults[1]!.what)?.[1]);
  stressPids.push(pid);
  assert.ok(alive(pid), `the stress worker ${pid} runs before the halt`);
  return pid;
}

describe('halt', () => {
  test('POST /halt removes the toxic, stops the stress and interrupts the registered run, which plays its rollbacks', async () => {
    assert.equal(
      (await api('POST', '/proxies', { name: 'api', listen: '127.0.0.1:0', upstream: echo.address })).status,
      201,
    );
    const mark = join(directory, 'rolled-back');
    const journalPath = join(directory, 'journal.json');
    const run = spawnCli(
      [
        'run',
        writeExperiment('halt test', mark),
        '--journal-path',
        journalPath,
        '--ledger-dir',
        ledgerDir,
        '--report-to',
        url,
      ],
      { FAULTLINE_URL: '' },
    );
    const stress = await stressOfRun();
    const runs = (await api('GET', '/runs')).json;
    assert.deepEqual(
      runs.map((record: { title: string; status: string }) => [record.title, record.status]),
      [['halt test', 'running']],
    );
    assert.deepEqual(
      (await api('GET', '/ledger')).json.map((fault: { run: string }) => fault.run),
      [runs[0].id, runs[0].id],
      '/runs and /ledger name the run with one id',
    );
    assert.deepEqual(
      (await api('GET', '/proxies/api/toxics')).json.map((toxic: { name: string }) => toxic.name),
      ['slow'],
    );

    const started = performance.now();
    const halted = await api('POST', '/halt', { reason: 'test halt' });
    const haltMs = performance.now() - started;
    assert.equal(halted.status, 200);
    assert.deepEqual(halted.json.failed, []);
    assert.deepEqual(halted.json.undone[0], {
      kind: 'run',
      what: `interrupted run "halt test" (${runs[0].id}); it plays its rollbacks`,
    });
    assert.deepEqual(
      halted.json.undone.filter((item: { kind: string }) => item.kind === 'toxic'),
      [],
      'the run removed its own toxic before halt cleared the proxies',
    );

    assert.deepEqual((await api('GET', '/proxies/api/toxics')).json, [], 'the toxic is gone');
    await waitFor(() => !alive(stress), `the stress worker ${stress} to be gone`, 10_000);
    const stressGoneMs = performance.now() - started;
    const { code } = await run.done;
    assert.equal(code, 1, run.output().stderr);
    const journal = JSON.parse(readFileSync(journalPath, 'utf8'));
    assert.equal(journal.status, 'interrupted');
    assert.equal(
      journal.interruption,
      `halted by the faultline server at ${url} (POST /halt from 127.0.0.1: test halt)`,
    );
    assert.deepEqual(
      journal.rollbacks.map((entry: { activity: { name: string }; status: string }) => [
        entry.activity.name,
        entry.status,
      ]),
      [
        ['leave a mark', 'succeeded'],
        ['remove the slow toxic', 'succeeded'],
      ],
    );
    const said = run.output().stdout + run.output().stderr;
    assert.equal(said.includes('may still be in place'), false, said);
    assert.equal(existsSync(mark), true, 'the rollback ran');
    const [record] = (await api('GET', '/runs')).json;
    assert.deepEqual(
      [record.status, record.journal, typeof record.ended_at],
      ['interrupted', journalPath, 'string'],
    );
    assert.deepEqual((await api('GET', '/ledger')).json, [], 'nothing is left in the ledger');
    process.stdout.write(
      `# halt answered in ${Math.round(haltMs)} ms; the stress worker was gone ${Math.round(stressGoneMs)} ms after it was sent\n`,
    );
  });

  test('a rollback that finds the toxic its run added already removed counts it as removed, and says so', async () => {
    await api('DELETE', '/proxies/gone');
    assert.equal(
      (await api('POST', '/proxies', { name: 'gone', listen: '127.0.0.1:0', upstream: echo.address })).status,
      201,
    );
    const path = join(directory, 'removed-by-someone.json');
    writeFileSync(
      path,
      JSON.stringify({
        title: 'removed by someone',
        description: 'another hand removes the toxic before the rollback does',
        configuration: { faultline_url: url },
        method: [
          {
            type: 'action',
            name: 'slow it',
            provider: {
              type: 'faultline',
              module: 'toxics',
              func: 'add',
              arguments: { proxy: 'gone', name: 'slow', type: 'latency', attributes: { latency: 10 } },
            },
          },
          {
            type: 'action',
            name: 'someone removes it',
            provider: {
              type: 'process',
              path: 'curl',
              arguments: ['-sS', '-X', 'DELETE', `${url}/proxies/gone/toxics/slow`],
            },
          },
        ],
        rollbacks: [
          {
            type: 'action',
            name: 'remove it',
            provider: {
              type: 'faultline',
              module: 'toxics',
              func: 'remove',
              arguments: { proxy: 'gone', name: 'slow' },
            },
          },
        ],
      }),
    );
    const journalPath = join(directory, 'journal-gone.json');
    const result = await runCli(['run', path, '--journal-path', journalPath, '--ledger-dir', ledgerDir], {
      FAULTLINE_URL: '',
    });
    const said = result.stdout + result.stderr;
    assert.equal(result.code, 0, said);
    const journal = JSON.parse(readFileSync(journalPath, 'utf8'));
    assert.deepEqual(
      journal.rollbacks.map((entry: { status: string }) => entry.status),
      ['succeeded'],
    );
    assert.match(
      said,
      /toxic slow on proxy gone, which this run added, was already gone \(remove toxic slow of gone: HTTP 404: toxic not found\): counted as removed, not failed/,
    );
    assert.equal(said.includes('may still be in place'), false, said);
    assert.deepEqual((await api('GET', '/ledger')).json, [], 'nothing is left in the ledger');
    await api('DELETE', '/proxies/gone');
  });

  test('faultline halt without a server interrupts the run with SIGINT and undoes what its ledger records', async () => {
    const mark = join(directory, 'not-rolled-back');
    const journalPath = join(directory, 'journal-2.json');
    // No --report-to and no server: the run is known only by its ledger.
    const run = spawnCli(
      ['run', writeExperiment('ledger only', mark), '--journal-path', journalPath, '--ledger-dir', ledgerDir],
      { FAULTLINE_URL: '' },
    );
    const stress = await stressOfRun();
    const nobody = `http://127.0.0.1:${await closedPort()}`;
    const halt = await runCli(['halt', '--ledger-dir', ledgerDir, '--reason', 'p99 alarm'], {
      FAULTLINE_URL: nobody,
    });
    assert.equal(halt.code, 0, halt.stdout + halt.stderr);
    const lines = halt.stdout.split('\n');
    assert.equal(lines[0], `no faultline server at ${nobody}: halting from the ledger alone`);
    assert.equal(lines[1], `looked in the ledger ${ledgerDir}`);
    assert.match(
      lines[2]!,
      /^ {2}undone \(run\): interrupted run [\w-]+ \(ledger only, pid \d+\) with SIGINT, as Ctrl-C would$/,
    );
    assert.equal(halt.stdout.includes('FAILED'), false, halt.stdout);
    await waitFor(() => !alive(stress), `the stress worker ${stress} to be gone`, 10_000);
    await run.done;
    const journal = JSON.parse(readFileSync(journalPath, 'utf8'));
    assert.deepEqual(
      [journal.status, journal.interruption],
      ['interrupted', 'halted by faultline halt (p99 alarm)'],
    );
    assert.equal(
      existsSync(ledgerDir) ? readdirSync(ledgerDir).filter((file) => file.endsWith('.halt')).length : 0,
      0,
      'no halt note is left',
    );
    assert.deepEqual((await api('GET', '/proxies/api/toxics')).json, [], 'the ledger undid the toxic');
    assert.deepEqual((await api('GET', '/ledger')).json, [], 'nothing is left in the ledger');
  });

  test('a halt is an event, which a stream following one proxy gets too', async () => {
    assert.equal(
      (await api('POST', '/proxies', { name: 'halt_event', listen: '127.0.0.1:0', upstream: echo.address }))
        .status,
      201,
    );
    assert.equal(
      (await api('POST', '/proxies/halt_event/toxics', { type: 'latency', attributes: { latency: 5000 } }))
        .status,
      200,
    );
    const stop = new AbortController();
    const following = await fetch(`${url}/events?proxy=halt_event&types=halt`, { signal: stop.signal });
    const stream = following.body!.pipeThrough(new TextDecoderStream()).getReader();
    const halted = await api('POST', '/halt', { reason: 'the demo is over' });
    assert.equal(halted.status, 200);
    let text = '';
    const whole = () => text.includes('event: halt') && text.includes('\n\n', text.indexOf('event: halt'));
    while (!whole()) text += (await stream.read()).value ?? '';
    stop.abort();
    const data = JSON.parse(/event: halt\ndata: (.*)\n/.exec(text)![1]!) as Record<string, unknown>;
    assert.match(String(data.reason), /^POST \/halt from 127\.0\.0\.1: the demo is over$/);
    assert.ok(
      (data.undone as string[]).includes('removed the latency toxic latency_downstream on proxy halt_event'),
      JSON.stringify(data.undone),
    );
    assert.deepEqual(data.left, []);
    assert.deepEqual(data.failed, []);
    assert.equal(typeof data.durationMs, 'number');
    assert.equal(data.proxy, undefined);
    await api('DELETE', '/proxies/halt_event');
  });

  test('POST /halt resumes a paused process left in the ledger, and stops a timed pause that still runs', async () => {
    const sleepers = [spawn('sleep', ['600']), spawn('sleep', ['600'])];
    after(() => {
      for (const sleeper of sleepers) if (alive(sleeper.pid!)) process.kill(sleeper.pid!, 'SIGKILL');
    });
    const [left, timed] = sleepers.map((sleeper) => sleeper.pid!) as [number, number];
    const env = { FAULTLINE_LEDGER_DIR: ledgerDir };
    const paused = await runCli(['process', 'pause', '--pid', String(left)], env);
    assert.equal(paused.code, 0, paused.stderr);
    const pausing = spawnCli(['process', 'pause', '--pid', String(timed), '--for', '600'], env);
    await waitFor(
      () => stateOf(left) === 'T' && stateOf(timed) === 'T',
      'both sleepers to be paused',
      30_000,
    );
    await waitFor(
      async () => (await api('GET', '/ledger')).json.length === 2,
      'both pauses in the ledger',
      30_000,
    );

    const recorded: Array<{ run: string; what: string }> = (await api('GET', '/ledger')).json;
    const leftRun = recorded.find((fault) => fault.what === `paused process ${left} (sleep 600)`)?.run;
    const halted = await api('POST', '/halt');
    assert.deepEqual(halted.json.failed, []);
    const whats = halted.json.undone.map(
      (item: { kind: string; what: string }) => `${item.kind}: ${item.what}`,
    );
    const [interrupted, ...undone] = whats as string[];
    assert.match(
      interrupted!,
      new RegExp(
        `^run: interrupted run cli-\\S+ \\(faultline process pause --pid ${timed} --for 600, pid ${pausing.child.pid}\\) with SIGINT, as Ctrl-C would$`,
      ),
    );
    // The interrupted pause may exit before its settlement reaches the file; then its entry is
    // undone again (SIGCONT twice is harmless). The left-behind one is always undone by the halt.
    assert.deepEqual(
      undone.filter((what) => !what.startsWith(`ledger: undone: paused process ${timed} `)),
      [`ledger: undone: paused process ${left} (sleep 600) (run ${leftRun})`],
      whats.join('\n'),
    );
    assert.notEqual(stateOf(left), 'T', 'the left-behind pause is undone');
    await pausing.done;
    assert.notEqual(stateOf(timed), 'T', 'the timed pause resumed its process when interrupted');
    assert.deepEqual((await api('GET', '/ledger')).json, []);
  });
});

/** The state letter of /proc/PID/stat: T when stopped. */
function stateOf(pid: number): string {
  return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.charAt(0);
}
