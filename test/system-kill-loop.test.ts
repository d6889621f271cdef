import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { noLedger } from '../src/experiment/ledger.js';
import { processOperations } from '../src/system/operations/process-operations.js';
import { runCli, spawnCli, waitFor } from './helpers.js';
import { startSupervised } from './supervised-helpers.js';

const directory = mkdtempSync(join(tmpdir(), 'faultline-kill-loop-'));
after(() => rmSync(directory, { recursive: true, force: true }));

/** A supervised node process that restarts at once, found by its pidfile. */
const supervised = (extra: string[] = []) =>
  startSupervised(directory, { prefix: 'loop', flags: ['--restart-delay', '0', ...extra] });

/** A process left alone by everything but the test, with a tag to match it by. */
function sleeper() {
  const tag = `sleeper-${randomBytes(4).toString('hex')}`;
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', tag], { stdio: 'ignore' });
  after(() => {
    if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, 'SIGKILL');
  });
  return { tag, child };
}

/** `process kill` of the pidfile's process, 3 rounds 2 s apart, through the CLI. */
const killThreeTimes = (pidfile: string, signal: string) =>
  runCli(['process', 'kill', '--pidfile', pidfile, '--signal', signal, '--count', '3', '--interval', '2s']);

const roundPids = (stdout: string) =>
  stdout
    .trim()
    .split('\n')
    .map((line) => /^round \d+ of \d+: signal (\d+) /.exec(line)?.[1])
    .map(Number);

// Rounds 2 s apart: long enough for the supervisor to start the next node process on a loaded
// CI runner (the test is about choosing the target again, not about how fast a restart is).
describe('process kill --count --interval', () => {
  test('3 kills of a supervised service hit 3 different pids, chosen again each round', async () => {
    const service = await supervised();
    const reply = await killThreeTimes(service.pidfile, 'SIGKILL');
    assert.equal(reply.code, 0, reply.stderr);
    const pids = roundPids(reply.stdout);
    assert.equal(pids.length, 3, reply.stdout);
    assert.equal(pids[0], service.firstPid);
    assert.equal(new Set(pids).size, 3, `three different pids: ${reply.stdout}`);
    assert.match(reply.stdout, /^round 1 of 3: signal \d+ \(.*loop-.*\) with SIGKILL$/m);
    assert.equal(service.supervisor.child.exitCode, null, 'the supervisor restarted each one');
    await service.stop();
  });

  test('a round that finds nothing is said and the loop goes on (the supervisor gave up)', async () => {
    // Two starts allowed: the second kill makes the supervisor give up and remove its pidfile.
    const service = await supervised(['--start-limit-burst', '2']);
    const reply = await killThreeTimes(service.pidfile, 'KILL');
    assert.equal(reply.code, 0, reply.stderr);
    const lines = reply.stdout.trim().split('\n');
    assert.equal(lines.length, 3, reply.stdout);
    assert.match(lines[0]!, /^round 1 of 3: signal \d+ /);
    assert.match(lines[1]!, /^round 2 of 3: signal \d+ /);
    assert.equal(
      lines[2],
      `round 3 of 3: no process matches --pidfile ${JSON.stringify(service.pidfile)}: nothing was signalled; the loop goes on`,
    );
    const ended = await service.supervisor.done;
    assert.match(ended.stderr, /start-limit-hit/);
  });

  test('bad --count and --interval values are refused before anything is signalled', async () => {
    const target = sleeper();
    const cases: Array<[string[], string]> = [
      [['--count', '0'], '--count "0" is not a number of kills; give a whole number from 1 to 1000'],
      [['--count', 'lots'], '--count "lots" is not a number of kills; give a whole number from 1 to 1000'],
      [
        ['--count', '2', '--interval', '-1s'],
        '--interval "-1s" is not a duration; write it as 1.25s, 200ms or 2m (a bare number is seconds)',
      ],
      [
        ['--count', '2', '--interval', '2h'],
        '--interval "2h" is not a duration; write it as 1.25s, 200ms or 2m (a bare number is seconds)',
      ],
      [['--count', '2', '--interval', '61m'], '--interval "61m" is longer than an hour, the most it takes'],
      [
        ['--interval', '1s'],
        '--interval is the wait between kills, and without --count 2 or more there is one kill: give --count too, or leave --interval out',
      ],
    ];
    for (const [flags, message] of cases) {
      const reply = await runCli(['process', 'kill', '--pid', String(target.child.pid), ...flags]);
      assert.equal(reply.code, 2, `${flags.join(' ')}: ${reply.stderr}`);
      assert.equal(reply.stderr, `faultline: ${message}\n`);
    }
    assert.equal(target.child.exitCode, null, 'nothing was signalled');
    assert.equal(target.child.signalCode, null, 'nothing was signalled');
  });

  for (const [name, status] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    test(`${name} ends the loop between rounds with what was done so far (exit ${status})`, async () => {
      const target = sleeper();
      const loop = spawnCli([
        'process',
        'kill',
        '--match',
        target.tag,
        '--signal',
        'SIGCONT',
        '--count',
        '100',
        '--interval',
        '10m',
      ]);
      await waitFor(() => loop.output().stdout.includes('round 1 of 100'), 'the first round');
      process.kill(loop.child.pid!, name);
      const ended = await loop.done;
      assert.equal(ended.code, status, ended.stderr);
      assert.match(
        ended.stdout,
        new RegExp(`^round 1 of 100: signal ${target.child.pid} \\(.*\\) with SIGCONT\n$`),
      );
      assert.equal(ended.stderr, 'faultline: interrupted after 1 of 100 round(s): 1 process(es) signalled\n');
    });
  }
});

describe('process.kill in experiments, with count and interval', () => {
  const context = (signal = new AbortController().signal, warnings: string[] = []) => ({
    ledger: noLedger,
    signal,
    warn: (message: string) => warnings.push(message),
  });

  test('count 3, interval 2s hits 3 different pids of a supervised service, round by round', async () => {
    const service = await supervised();
    const result = (await processOperations.kill!(
      { pidfile: service.pidfile, signal: 'SIGKILL', count: 3, interval: '2s' },
      context(),
    )) as {
      count: number;
      intervalMs: number;
      interrupted: boolean;
      rounds: Array<{ round: number; processes: Array<{ pid: number; sent: boolean }> }>;
    };
    assert.equal(result.count, 3);
    assert.equal(result.intervalMs, 2000);
    assert.equal(result.interrupted, false);
    assert.deepEqual(
      result.rounds.map((round) => round.round),
      [1, 2, 3],
    );
    const pids = result.rounds.map((round) => round.processes[0]!.pid);
    assert.equal(new Set(pids).size, 3, JSON.stringify(result));
    await service.stop();
  });

  test('an aborted run ends the loop with the rounds done so far', async () => {
    const target = sleeper();
    const abort = new AbortController();
    const warnings: string[] = [];
    const pending = processOperations.kill!(
      { match: target.tag, signal: 'SIGCONT', count: 100, interval: 600 },
      context(abort.signal, warnings),
    ) as Promise<{ interrupted: boolean; rounds: unknown[] }>;
    setImmediate(() => abort.abort());
    const result = await pending;
    assert.equal(result.interrupted, true);
    assert.equal(result.rounds.length, 1);
  });

  test('bad count and interval are refused by name', async () => {
    const target = sleeper();
    await assert.rejects(
      processOperations.kill!({ pid: target.child.pid, count: 0 }, context()),
      /count.*0 is not a number of kills; give a whole number from 1 to 1000/,
    );
    await assert.rejects(
      processOperations.kill!({ pid: target.child.pid, count: 2, interval: 'soon' }, context()),
      /interval "soon" is not a duration/,
    );
    await assert.rejects(
      processOperations.kill!({ pid: target.child.pid, interval: '1s' }, context()),
      /interval is the wait between kills, and without count 2 or more there is one kill/,
    );
    assert.equal(target.child.exitCode, null);
    assert.equal(target.child.signalCode, null);
  });
});

test('faultline validate refuses an interval without a count, before anything runs', async () => {
  const file = join(directory, 'interval-alone.json');
  writeFileSync(
    file,
    JSON.stringify({
      title: 'kill loop',
      description: 'an interval with one kill',
      method: [
        {
          type: 'action',
          name: 'kill',
          provider: {
            type: 'faultline',
            module: 'process',
            func: 'kill',
            arguments: { match: 'no-such-process', interval: '1.25s' },
          },
        },
      ],
    }),
  );
  const reply = await runCli(['validate', file]);
  assert.notEqual(reply.code, 0, reply.stdout);
  assert.match(
    reply.stdout + reply.stderr,
    /interval is the wait between kills, and without count 2 or more there is one kill/,
  );
});
