import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { readLedger } from '../src/experiment/ledger.js';
import { identify } from '../src/system/processes.js';
import { runCli, spawnCli, tempDirectory, waitFor } from './helpers.js';

function alive(pid: number): boolean {
  const stat = (() => {
    try {
      return readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      return undefined;
    }
  })();
  // A zombie has ended: only its parent's wait is missing.
  return stat !== undefined && stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
}

/** Every pid a test saw is killed by pid after the file, should the code under test have missed it. */
const seen: number[] = [];
after(() => {
  for (const pid of seen) if (alive(pid)) process.kill(pid, 'SIGKILL');
});

async function writeExperiment(directory: string, method: object[]): Promise<string> {
  const path = join(directory, 'experiment.json');
  await writeFile(path, JSON.stringify({ title: 'left processes', description: 'd', method }));
  return path;
}

describe("a run killed with SIGKILL: its process activities' processes are in the ledger", () => {
  test('faultline rollback stops the activity, what it started, and what left its group, and says which', async () => {
    const directory = tempDirectory('activity-left');
    const ledgerDir = join(directory, 'ledger');
    const pids = join(directory, 'pids');
    // The activity's shell, a child in its group, and one that left the group and session.
    const script = `echo $$ > ${pids}; sleep 300 & echo $! >> ${pids}; setsid sleep 301 & echo $! >> ${pids}; echo ready >> ${pids}; wait`;
    const path = await writeExperiment(directory, [
      {
        type: 'action',
        name: 'hold',
        provider: { type: 'process', path: '/bin/sh', arguments: ['-c', script] },
      },
    ]);
    const running = spawnCli([
      'run',
      path,
      '--journal-path',
      join(directory, 'j.json'),
      '--ledger-dir',
      ledgerDir,
    ]);
    await waitFor(
      () => existsSync(pids) && readFileSync(pids, 'utf8').includes('ready'),
      'the activity to start its processes',
      20_000,
    );
    const [shell, child, escaped] = readFileSync(pids, 'utf8').split('\n').slice(0, 3).map(Number) as [
      number,
      number,
      number,
    ];
    seen.push(shell, child, escaped);
    process.kill(running.child.pid!, 'SIGKILL');
    await running.done;
    assert.deepEqual([alive(shell), alive(child), alive(escaped)], [true, true, true], 'the run left them');

    const [file] = readdirSync(ledgerDir);
    const left = readLedger(join(ledgerDir, file!));
    assert.deepEqual(
      left.entries.map((entry) => [
        entry.description,
        entry.undo.kind,
        'process' in entry.undo && entry.undo.process,
      ]),
      [["process activity 'hold' (/bin/sh), pid " + shell, 'stop-activity', identify(shell)]],
    );

    const preview = await runCli(['rollback', '--ledger-dir', ledgerDir, '--dry-run']);
    assert.match(
      preview.stdout,
      new RegExp(
        `would undo: process activity 'hold' \\(/bin/sh\\), pid ${shell}\\n    by: SIGTERM pid ${shell} if it is still the process started at tick \\d+, and each process whose environment holds FAULTLINE_ACTIVITY=[0-9a-f]{32} \\(what it started\\); SIGKILL after 2 s`,
      ),
    );
    assert.deepEqual(
      [alive(shell), alive(child), alive(escaped)],
      [true, true, true],
      'a dry run stops nothing',
    );

    const rolled = await runCli(['rollback', '--ledger-dir', ledgerDir]);
    assert.equal(rolled.code, 0, rolled.stderr);
    const stopped = [shell, child, escaped].sort((a, b) => a - b);
    const command = (pid: number) =>
      pid === shell ? `/bin/sh -c ${script}`.slice(0, 59) + '…' : pid === child ? 'sleep 300' : 'sleep 301';
    assert.ok(
      rolled.stdout.includes(
        `  undone: process activity 'hold' (/bin/sh), pid ${shell} (stopped ${stopped.map((pid) => `pid ${pid} (${command(pid)})`).join(', ')})\n`,
      ),
      rolled.stdout,
    );
    await waitFor(() => !alive(shell) && !alive(child) && !alive(escaped), 'all three to be gone', 10_000);
    assert.deepEqual(readdirSync(ledgerDir), [], 'the ledger is finished');
  });

  test('a run that ends on its own settles the entry: no ledger is left and nothing is reported', async () => {
    const directory = tempDirectory('activity-done');
    const ledgerDir = join(directory, 'ledger');
    const path = await writeExperiment(directory, [
      {
        type: 'action',
        name: 'quick',
        provider: { type: 'process', path: '/bin/sh', arguments: "-c 'exit 3'" },
      },
    ]);
    const journalPath = join(directory, 'j.json');
    const run = await runCli(['run', path, '--journal-path', journalPath, '--ledger-dir', ledgerDir]);
    assert.equal(run.code, 0, run.stderr);
    assert.doesNotMatch(run.stderr, /may still be in place/);
    assert.deepEqual(readdirSync(ledgerDir), []);
    const journal = JSON.parse(readFileSync(journalPath, 'utf8'));
    assert.deepEqual(journal.run[0].output, { status: 3, stdout: '', stderr: '' });
  });

  test('recovery never signals a pid reused by another process, nor a process without the mark', async () => {
    const directory = tempDirectory('activity-reused');
    const ledgerDir = join(directory, 'ledger');
    await mkdir(ledgerDir, { mode: 0o700 });
    const mark = randomBytes(16).toString('hex');
    const start = (env: Record<string, string>) => {
      const child = spawn('sleep', ['300'], {
        stdio: 'ignore',
        env: { PATH: process.env.PATH ?? '', ...env },
      });
      seen.push(child.pid!);
      return identify(child.pid!)!;
    };
    const marked = start({ FAULTLINE_ACTIVITY: mark });
    const otherMark = start({ FAULTLINE_ACTIVITY: randomBytes(16).toString('hex') });
    const reused = start({});
    const gone = spawn('true');
    await new Promise((resolve) => gone.once('exit', resolve));
    const header = {
      format: 1,
      run: 'left-run',
      pid: gone.pid,
      startTime: null,
      uid: process.getuid!(),
      cwd: directory,
      experiment: 'left',
      started: '2026-01-01T00:00:00.000Z',
    };
    // The recorded process is the pid `reused` has now, started at another time: another process.
    const entry = {
      seq: 1,
      time: '2026-01-01T00:00:00.000Z',
      description: "process activity 'hold' (/bin/sh), pid " + reused.pid,
      undo: {
        kind: 'stop-activity',
        process: { pid: reused.pid, startTime: String(Number(reused.startTime) + 1) },
        mark,
      },
    };
    await writeFile(
      join(ledgerDir, 'left-run.jsonl'),
      `${JSON.stringify(header)}\n${JSON.stringify(entry)}\n`,
      {
        mode: 0o600,
      },
    );
    const rolled = await runCli(['rollback', '--ledger-dir', ledgerDir]);
    assert.equal(rolled.code, 0, rolled.stderr);
    assert.match(
      rolled.stdout,
      new RegExp(
        `undone: process activity 'hold' \\(/bin/sh\\), pid ${reused.pid} \\(stopped pid ${marked.pid} \\(sleep 300\\)\\)\\n`,
      ),
    );
    await waitFor(() => !alive(marked.pid), 'the marked process to be gone', 10_000);
    assert.equal(alive(reused.pid), true, 'the reused pid was left alone');
    assert.equal(alive(otherMark.pid), true, "another activity's process was left alone");
  });
});
