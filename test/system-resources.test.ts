import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import { noLedger, openLedger, scanLedgers } from '../src/experiment/ledger.js';
import { undoLedger } from '../src/experiment/rollback.js';
import { cgroupByName, cgroupStats, cgroupVersion, commandInCgroup } from '../src/system/cgroups.js';
import { cgroupOperations as cgroup } from '../src/system/operations/cgroup-operations.js';
import { stressOperations as stress } from '../src/system/operations/stress-operations.js';
import { useOperations as use } from '../src/system/operations/use-operations.js';
import { startStress } from '../src/system/stress.js';
import { parseSchedstat, type Schedstat } from '../src/system/proc-parsers.js';
import { identify, isStillRunning } from '../src/system/processes.js';
import { stopProcess } from '../src/system/undo.js';
import { sampleUse } from '../src/system/use-probes.js';
import { runCli, spawnCli, tempDirectory, waitFor } from './helpers.js';

const directory = tempDirectory('resources');
const context = { ledger: noLedger, signal: new AbortController().signal, warn: () => undefined };

/** The file that holds a group's CPU quota. */
const quotaFile = () => (cgroupVersion() === 1 ? 'cpu.cfs_quota_us' : 'cpu.max');

describe('stress', () => {
  test('memory stress touches its pages: the RSS really grows by the amount asked for', async () => {
    const running = await startStress({
      kind: 'memory',
      bytes: 128 * 1024 ** 2,
      rampSeconds: 0,
      seconds: 30,
    });
    try {
      assert.match(running.ready, /holding 128.0 MiB of touched memory/);
      const report = await sampleUse({ seconds: 0.1, pid: running.identity.pid });
      assert.ok(report.process!.rssBytes > 128 * 1024 ** 2, `RSS ${report.process!.rssBytes}`);
    } finally {
      running.stop();
      const outcome = await running.finished;
      assert.equal(outcome.code, 0);
    }
  });

  test('CPU stress holds its target load: its worker burns 60% and sleeps 40% of each slice, however busy the machine', async () => {
    const running = await startStress({ kind: 'cpu', workers: 1, percent: 60, seconds: 120 });
    try {
      // A busy machine gives the worker less CPU than it asks for (60% was read as 1% at load 25),
      // so its share of wall-clock time proves nothing. Its duty cycle does: the time its thread
      // ran over the time it ran or slept, from the kernel's per-thread schedstat, leaving out the
      // time it waited for a CPU. Measured until it has burnt 10 slices' worth (600 ms of CPU), or
      // at most 90 s; a slice cut at either end, and the garbage collector's helper threads it
      // waits for, move the figure by up to 15 points when it gets 2% of a CPU (load 28).
      const duty = await dutyCycleOfBusiestThread(running.identity.pid, 600, 90_000);
      assert.ok(duty.percent > 40 && duty.percent < 80, JSON.stringify(duty));
      const report = await sampleUse({ seconds: 1, pid: running.identity.pid });
      assert.ok(report.process!.cpuPercent > 0, 'the USE probe sees it burn');
      assert.notEqual(report.process!.cpuWaitPercent, undefined, 'and reports its run-queue wait');
      assert.ok(report.cpu.busyPercent > 0);
    } finally {
      running.stop();
      await running.finished;
    }
  });

  test('disk fill writes one bounded file in the given directory and removes it on stop', async () => {
    const running = await startStress({ kind: 'disk', path: directory, bytes: 8 * 1024 ** 2, seconds: 30 });
    const file = running.file!.path;
    assert.equal(dirname(file), directory);
    assert.match(basename(file), new RegExp(`^faultline-fill-${running.identity.pid}-[0-9a-f]{8}$`));
    assert.equal(statSync(file).size, 8 * 1024 ** 2);
    running.stop();
    await running.finished;
    assert.equal(existsSync(file), false);
  });

  test('a run ledger stops a stress process left behind (what faultline rollback does after a crash)', async () => {
    const ledgerDirectory = join(directory, 'ledger');
    const ledger = openLedger(ledgerDirectory, { run: 'crashed', experiment: 'stress left behind' });
    const started = (await stress.cpu!({ workers: 1, percent: 10, seconds: 60 }, { ...context, ledger })) as {
      pid: number;
    };
    const [left] = scanLedgers(ledgerDirectory).ledgers;
    assert.equal(left!.entries[0]!.undo.kind, 'stop-process');
    const lines: string[] = [];
    await undoLedger(left!, (line) => lines.push(line));
    assert.deepEqual(lines, [`undone: started cpu stress, pid ${started.pid}`]);
    assert.equal(
      isStillRunning({
        pid: started.pid,
        startTime: (left!.entries[0]!.undo as { process: { startTime: string } }).process.startTime,
      }),
      false,
    );
  });

  test('stress arguments are checked before anything starts', async () => {
    await assert.rejects(stress.cpu!({ workers: 0, seconds: 1 }, context), /invalid stress: workers/);
    await assert.rejects(
      stress.disk!({ path: join(directory, 'missing'), bytes: '1M', seconds: 1 }, context),
      /is not a directory/,
    );
    const cli = await runCli(['stress', 'cpu', '--workers', '2']);
    assert.equal(cli.code, 2);
    assert.match(cli.stderr, /required option '-t, --time <seconds>'/);
  });
});

describe('cgroups', () => {
  test('a memory hog in a 32 MB cgroup is OOM-killed, seen in the counter and the kernel log', async () => {
    const ledgerDirectory = join(directory, 'oom-ledger');
    const ledger = openLedger(ledgerDirectory, { run: 'oom', experiment: 'oom' });
    await cgroup.create!({ name: 'test-oom', memory: '32M', pidsMax: 16 }, { ...context, ledger });
    try {
      const started = (await stress.memory!(
        { bytes: '256M', seconds: 30, cgroup: 'test-oom' },
        { ...context, ledger },
      )) as {
        pid: number;
        ready: string;
      };
      assert.match(started.ready, /ended before full strength: killed by SIGKILL \(exit status 137\)/);
      assert.equal(cgroupStats(cgroupByName('test-oom')).memory!.oomKills, 1);
      const kills = (await cgroup.oom_kills!({ name: 'test-oom' }, context)) as Array<{
        pid: number;
        cgroup: string;
      }>;
      assert.deepEqual(
        kills.map((kill) => [kill.pid, kill.cgroup]),
        [[started.pid, '/faultline/test-oom']],
      );
    } finally {
      await undoLedger(scanLedgers(ledgerDirectory).ledgers[0]!, () => undefined);
    }
    assert.throws(() => cgroupByName('test-oom'), /there is no faultline cgroup "test-oom"/);
  });

  test('a CPU quota throttles a busy process, and the undo moves it back where it was', async () => {
    const running = await startStress({ kind: 'cpu', workers: 2, percent: 100, seconds: 30 });
    const pid = running.identity.pid;
    const before = readFileSync(`/proc/${pid}/cgroup`, 'utf8');
    const ledgerDirectory = join(directory, 'quota-ledger');
    const ledger = openLedger(ledgerDirectory, { run: 'quota', experiment: 'quota' });
    try {
      const limited = (await cgroup.limit!(
        { name: 'test-quota', cpuPercent: 20, pid, expect: 1 },
        { ...context, ledger },
      )) as {
        processes: Array<{ pid: number }>;
      };
      assert.deepEqual(
        limited.processes.map((info) => info.pid),
        [pid],
      );
      const report = (await use.process!({ pid, seconds: 1 }, context)) as { cpuPercent: number };
      assert.ok(report.cpuPercent < 40, `two busy workers held to ${report.cpuPercent}% under a 20% quota`);
      await waitFor(() => cgroupStats(cgroupByName('test-quota')).cpu!.throttledPeriods > 0, 'throttling');
    } finally {
      await undoLedger(scanLedgers(ledgerDirectory).ledgers[0]!, () => undefined);
      assert.equal(readFileSync(`/proc/${pid}/cgroup`, 'utf8'), before, 'back in its own cgroups');
      running.stop();
      await running.finished;
    }
  });

  test('a memory limit on a process that holds memory says the held memory stays charged where it was', async () => {
    const running = await startStress({ kind: 'memory', bytes: 48 * 1024 ** 2, rampSeconds: 0, seconds: 60 });
    const pid = running.identity.pid;
    const ledgerDirectory = join(directory, 'held-ledger');
    const ledger = openLedger(ledgerDirectory, { run: 'held', experiment: 'held' });
    const warnings: string[] = [];
    try {
      await cgroup.limit!(
        { name: 'test-held-memory', memory: '16M', pid },
        { ...context, ledger, warn: (message) => warnings.push(message) },
      );
      // The kernel moves no charge with a process: the 48 MiB it holds stay counted where it came
      // from, the group counts none of it, and nothing was OOM-killed. Said, not left to surprise.
      assert.ok(cgroupStats(cgroupByName('test-held-memory')).memory!.usageBytes < 16 * 1024 ** 2);
      assert.equal(warnings.length, 1, JSON.stringify(warnings));
      assert.match(
        warnings[0]!,
        new RegExp(
          `^${pid} \\(.*\\) holds \\d+\\.\\d MiB already: that memory stays charged to the memory cgroup it came from \\(the kernel moves no charge with a process\\), so the 16.0 MiB limit counts only what it allocates from now on; to limit all of its memory, start it inside the group \\(faultline supervise --cgroup test-held-memory, stress --cgroup test-held-memory\\)$`,
        ),
      );
    } finally {
      await undoLedger(scanLedgers(ledgerDirectory).ledgers[0]!, () => undefined);
      running.stop();
      await running.finished;
    }
  });

  test('the CLI leaves a limit in place with a ledger, and faultline rollback removes it', async () => {
    const env = { FAULTLINE_LEDGER_DIR: join(directory, 'cli-ledger') };
    const created = await runCli(['cgroup', 'create', 'test-cli', '--cpu', '50', '--memory', '64M'], env);
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stderr, /faultline rollback" undoes it/);
    const stats = await runCli(['cgroup', 'stats', 'test-cli', '--json'], env);
    assert.equal(JSON.parse(stats.stdout).memory.limitBytes, 64 * 1024 ** 2);
    const rollback = await runCli(['rollback'], env);
    assert.match(rollback.stdout, /undone: created cgroup faultline\/test-cli/);
    assert.equal(readdirSync(env.FAULTLINE_LEDGER_DIR).length, 0);
    const gone = await runCli(['cgroup', 'stats', 'test-cli'], env);
    assert.equal(gone.code, 2);
    assert.match(
      gone.stderr,
      /there is no faultline cgroup "test-cli": no faultline\/test-cli under the cpu, memory or pids controllers; "faultline cgroup create test-cli" or "faultline cgroup limit test-cli" makes one/,
    );
  });

  test('bad input to cgroup and stress exits 2, as docs/cli.md says, and names what was wrong', async () => {
    const env = { FAULTLINE_LEDGER_DIR: join(directory, 'bad-input-ledger') };
    for (const [args, message] of [
      [
        ['stress', 'memory', '--bytes', 'abc', '-t', '1'],
        /bytes must be a size such as 512M, 1G or 20971520/,
      ],
      [
        ['cgroup', 'create', '../x'],
        /cgroup name "\.\.\/x" must be 1-64 letters, digits, dot, dash or underscore/,
      ],
      [
        ['cgroup', 'create', '..', '--cpu', '10'],
        /cgroup name "\.\." must be 1-64 letters, digits, dot, dash or underscore, and not \. or \.\.\n/,
      ],
      [
        ['stress', 'disk', '--path', join(directory, 'no-such-directory'), '--bytes', '1M', '-t', '1'],
        /disk stress path .*no-such-directory is not a directory; give an existing directory to fill/,
      ],
      [['cgroup', 'remove', 'nope'], /there is no faultline cgroup "nope": no faultline\/nope under/],
    ] as const) {
      const result = await runCli([...args], env);
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, message);
    }
  });
});

describe('cgroups: remove, refusals', () => {
  test('cgroup remove puts a limited process back where it came from, and leaves nothing to roll back', async () => {
    const env = { FAULTLINE_LEDGER_DIR: join(directory, 'remove-ledger') };
    const sleeper = spawn('sleep', ['600'], { stdio: 'ignore' });
    try {
      await waitFor(() => identify(sleeper.pid!) !== undefined, 'the sleeper to start');
      const before = readFileSync(`/proc/${sleeper.pid}/cgroup`, 'utf8');
      const limited = await runCli(
        ['cgroup', 'limit', 'test-back', '--pid', String(sleeper.pid), '--cpu', '50'],
        env,
      );
      assert.equal(limited.code, 0, limited.stderr);
      const limitedIn = readFileSync(`/proc/${sleeper.pid}/cgroup`, 'utf8');
      const v1 = cgroupVersion() === 1;
      if (v1) {
        assert.match(limitedIn, /:cpu:\/faultline\/test-back\n/);
        const outsideCpu = (text: string) => text.split('\n').filter((line) => !/:cpu:/.test(line));
        assert.deepEqual(outsideCpu(limitedIn), outsideCpu(before), 'a CPU quota moves it in cpu only');
      } else assert.match(limitedIn, /^0::\/faultline\/test-back\n/m);
      const removed = await runCli(['cgroup', 'remove', 'test-back'], env);
      assert.equal(removed.code, 0, removed.stderr);
      const where = v1 ? 'cpu:/\\S*' : 'cpu:/\\S* memory:/\\S* pids:/\\S*';
      assert.match(
        removed.stdout,
        new RegExp(`^moved ${sleeper.pid} back to ${where}\nremoved faultline/test-back\n$`),
      );
      assert.equal(readFileSync(`/proc/${sleeper.pid}/cgroup`, 'utf8'), before, 'back in its own cgroups');
      assert.deepEqual(readdirSync(env.FAULTLINE_LEDGER_DIR), []);
      assert.match((await runCli(['rollback'], env)).stdout, /nothing to roll back/);
    } finally {
      sleeper.kill('SIGKILL');
    }
  });

  test('a process forked inside after the move goes back with the process it descends from', async () => {
    const env = { FAULTLINE_LEDGER_DIR: join(directory, 'forked-ledger') };
    // The shell forks its sleep only when told, once it sits in the group.
    const shell = spawn('sh', ['-c', 'read line; sleep 600 & echo $!; wait'], {
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    let child: number | undefined;
    try {
      await waitFor(() => identify(shell.pid!) !== undefined, 'the shell to start');
      const before = readFileSync(`/proc/${shell.pid}/cgroup`, 'utf8');
      const limited = await runCli(
        ['cgroup', 'limit', 'test-forked', '--pid', String(shell.pid), '--cpu', '50'],
        env,
      );
      assert.equal(limited.code, 0, limited.stderr);
      shell.stdin!.write('fork\n');
      const [line] = (await once(shell.stdout!, 'data')) as [Buffer];
      child = Number(line.toString().trim());
      assert.ok(cgroupStats(cgroupByName('test-forked')).processes.includes(child), 'forked inside');
      const dryRun = await runCli(['rollback', '--dry-run'], env);
      assert.match(dryRun.stdout, new RegExp(`pid ${child} to /sys/fs/cgroup/`));
      // It was left in faultline/ (the group's parent), and cgroup remove refused it as a stranger.
      const removed = await runCli(['cgroup', 'remove', 'test-forked'], env);
      assert.equal(removed.code, 0, removed.stderr);
      assert.match(removed.stdout, new RegExp(`^moved ${child} back to `, 'm'));
      assert.equal(readFileSync(`/proc/${shell.pid}/cgroup`, 'utf8'), before);
      assert.equal(readFileSync(`/proc/${child}/cgroup`, 'utf8'), before, 'the child is back too');
    } finally {
      if (child !== undefined) process.kill(child, 'SIGKILL');
      shell.kill('SIGKILL');
      await runCli(['rollback'], env);
    }
  });

  test('cgroup remove is refused while a process started inside has nowhere recorded to go back to', async () => {
    const env = { FAULTLINE_LEDGER_DIR: join(directory, 'inside-ledger') };
    assert.equal((await runCli(['cgroup', 'create', 'test-inside', '--pids-max', '8'], env)).code, 0);
    const [file, ...args] = commandInCgroup(cgroupByName('test-inside'), ['sleep', '600']);
    const inside = spawn(file!, args, { stdio: 'ignore' });
    try {
      await waitFor(
        () => cgroupStats(cgroupByName('test-inside')).processes.includes(inside.pid!),
        'the move',
      );
      const refused = await runCli(['cgroup', 'remove', 'test-inside'], env);
      assert.equal(refused.code, 2);
      assert.equal(
        refused.stderr,
        `faultline: faultline/test-inside holds processes faultline did not move there (pid ${inside.pid}: sleep 600): no origin is recorded to put them back, so nothing was removed; stop them (faultline rollback stops a stress faultline started in the group), then remove it\n`,
      );
      assert.deepEqual(cgroupStats(cgroupByName('test-inside')).processes, [inside.pid]);
    } finally {
      inside.kill('SIGKILL');
      await once(inside, 'exit');
    }
    await waitFor(
      () => cgroupStats(cgroupByName('test-inside')).processes.length === 0,
      'the group to empty',
    );
    const removed = await runCli(['cgroup', 'remove', 'test-inside'], env);
    assert.equal(removed.code, 0, removed.stderr);
    assert.equal(removed.stdout, 'removed faultline/test-inside\n');
    assert.deepEqual(readdirSync(env.FAULTLINE_LEDGER_DIR), []);
  });

  test('create and limit refuse an existing group, limit refuses no limit, memory under a page is refused', async () => {
    const env = { FAULTLINE_LEDGER_DIR: join(directory, 'refusals-ledger') };
    const created = await runCli(['cgroup', 'create', 'test-twice', '--cpu', '50'], env);
    assert.equal(created.code, 0, created.stderr);
    try {
      const again = await runCli(['cgroup', 'create', 'test-twice', '--cpu', '10'], env);
      assert.equal(again.code, 2);
      assert.equal(
        again.stderr,
        'faultline: faultline/test-twice exists already, so nothing was created or changed; choose another name, or remove it first (faultline cgroup stats test-twice shows what it holds, faultline cgroup remove test-twice removes it)\n',
      );
      const into = await runCli(
        ['cgroup', 'limit', 'test-twice', '--pid', String(process.pid), '--cpu', '10'],
        env,
      );
      assert.equal(into.code, 2);
      assert.match(into.stderr, /faultline\/test-twice exists already, so nothing was created or changed/);
      const quota = readFileSync(join(cgroupByName('test-twice').directories.cpu!, quotaFile()), 'utf8');
      assert.match(quota, /^50000\b/, 'the first quota stands');
      assert.equal(readdirSync(env.FAULTLINE_LEDGER_DIR).length, 1, 'one entry, for the one group made');
    } finally {
      assert.equal((await runCli(['rollback'], env)).code, 0);
    }
    const bare = await runCli(['cgroup', 'limit', 'test-bare', '--pid', String(process.pid)], env);
    assert.equal(bare.code, 2);
    assert.match(
      bare.stderr,
      /give a limit \(cpuPercent, memory or pidsMax; on the command line --cpu, --memory or --pids-max\)/,
    );
    const empty = await runCli(['cgroup', 'create', 'test-bare'], env);
    assert.equal(empty.code, 2);
    assert.match(empty.stderr, /give a limit .*: a group without one limits nothing, so nothing was created/);
    const tiny = await runCli(['cgroup', 'create', 'test-tiny', '--memory', '1k'], env);
    assert.equal(tiny.code, 2);
    assert.match(tiny.stderr, /memory "1k" is 1024 bytes, less than one page \(4096 bytes\)/);
    for (const name of ['test-bare', 'test-tiny'])
      assert.throws(() => cgroupByName(name), /there is no faultline cgroup/);
    assert.deepEqual(readdirSync(env.FAULTLINE_LEDGER_DIR), []);
  });
});

describe('memory stress and the machine', () => {
  test('more than the available memory is refused without a memory-limited cgroup; inside one it runs', async () => {
    const env = { FAULTLINE_LEDGER_DIR: join(directory, 'memory-guard-ledger') };
    const refused = await runCli(['stress', 'memory', '--bytes', '4000000G', '-t', '5'], env);
    assert.equal(refused.code, 2);
    assert.match(
      refused.stderr,
      /^faultline: a memory stress of 4000000\.0 GiB is more than the \d+\.\d (GiB|MiB) this machine has available: the kernel would OOM-kill processes beyond the stress, so nothing was started; .*--cgroup small\), or force it \(--force, or force: true\)\n$/,
    );
    assert.equal(existsSync(env.FAULTLINE_LEDGER_DIR) ? readdirSync(env.FAULTLINE_LEDGER_DIR).length : 0, 0);
    const ledger = openLedger(join(directory, 'memory-guard-run'), { run: 'guard', experiment: 'guard' });
    await cgroup.create!({ name: 'test-unlimited', cpuPercent: 50 }, { ...context, ledger });
    await cgroup.create!({ name: 'test-held', memory: '32M' }, { ...context, ledger });
    await cgroup.create!({ name: 'test-loose', memory: '4000000G' }, { ...context, ledger });
    try {
      // A limit above what the machine has stops nothing: a 100G stress in a 200G group touched
      // 23 GiB and the global OOM killer (CONSTRAINT_NONE) took it, where it could take anyone.
      await assert.rejects(
        stress.memory!({ bytes: '4000000G', seconds: 5, cgroup: 'test-loose' }, { ...context, ledger }),
        /^FaultlineError: a memory stress of 4000000\.0 GiB is more than the \d+\.\d (GiB|MiB) this machine has available \(cgroup faultline\/test-loose's memory limit, 4000000\.0 GiB, is more than that, so it would not stop the stress\): the kernel would OOM-kill/,
      );
      await assert.rejects(
        stress.memory!({ bytes: '4000000G', seconds: 5, cgroup: 'test-unlimited' }, { ...context, ledger }),
        /\(cgroup faultline\/test-unlimited has no memory limit\): the kernel would OOM-kill/,
      );
      await assert.rejects(
        stress.cpu!({ seconds: 1, force: true }, context),
        /force is true or false, and only memory stress takes it, not cpu stress/,
      );
      const held = (await stress.memory!(
        { bytes: '4000000G', seconds: 5, cgroup: 'test-held' },
        { ...context, ledger },
      )) as { ready: string };
      assert.match(held.ready, /ended before full strength: killed by SIGKILL/);
    } finally {
      await undoLedger(scanLedgers(join(directory, 'memory-guard-run')).ledgers[0]!, () => undefined);
    }
  });
});

describe('memory stress in a memory-limited container', () => {
  test('the room a memory cgroup faultline runs in leaves is the limit, not the machine', async () => {
    const ledger = openLedger(join(directory, 'room-run'), { run: 'room', experiment: 'room' });
    await cgroup.create!({ name: 'test-room', memory: '256M' }, { ...context, ledger });
    try {
      const cli = new URL('../src/cli/main.js', import.meta.url).pathname;
      const command = [process.execPath, cli, 'stress', 'memory', '--bytes', '512M', '-t', '5'];
      const [file, ...args] = commandInCgroup(cgroupByName('test-room'), command);
      const child = spawn(file!, args, {
        env: { ...process.env, FAULTLINE_LEDGER_DIR: join(directory, 'room-ledger') },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr!.on('data', (chunk) => (stderr += chunk));
      const [code] = await once(child, 'close');
      assert.equal(code, 2, stderr);
      assert.match(
        stderr,
        /^faultline: a memory stress of 512\.0 MiB is more than the \d+\.\d MiB the memory cgroup \/faultline\/test-room leaves \(its limit minus its use\): the kernel would OOM-kill processes beyond the stress, so nothing was started; /,
      );
    } finally {
      await undoLedger(scanLedgers(join(directory, 'room-run')).ledgers[0]!, () => undefined);
    }
  });
});

describe('stopping a stress', () => {
  test('a process that ignores SIGTERM is SIGKILLed, and stopProcess returns once it is gone', async () => {
    const stubborn = spawn(
      process.execPath,
      ['-e', "process.on('SIGTERM', () => {}); console.log('ready'); setInterval(() => {}, 1000)"],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    );
    await once(stubborn.stdout!, 'data');
    const identity = identify(stubborn.pid!)!;
    assert.equal(await stopProcess(identity, 100), true);
    assert.equal(isStillRunning(identity), false, 'gone when stopProcess returns');
    assert.equal(stubborn.signalCode ?? (await once(stubborn, 'exit'))[1], 'SIGKILL');
  });

  test('stress.stop returns once the ledger entries of what it stopped are settled', async () => {
    const ledger = openLedger(join(directory, 'stop-ledger'), { run: 'stop', experiment: 'stop' });
    await stress.cpu!({ workers: 1, percent: 10, seconds: 60 }, { ...context, ledger });
    await stress.disk!({ path: directory, bytes: '64k', seconds: 60 }, { ...context, ledger });
    assert.equal(ledger.live().length, 3);
    await stress.stop!({}, { ...context, ledger });
    assert.deepEqual(ledger.live(), []);
    ledger.close(false);
  });
});

describe('USE probes', () => {
  test('one sample covers CPU, memory, disk, network, TCP and pressure with sane values', async () => {
    const report = (await use.sample!({ seconds: 0.2 }, context)) as Awaited<ReturnType<typeof sampleUse>>;
    assert.ok(report.cpu.busyPercent >= 0 && report.cpu.busyPercent <= 100);
    assert.ok(report.memory.availableBytes > 0 && report.memory.availableBytes <= report.memory.totalBytes);
    assert.ok(report.network.some((face) => face.name === 'lo'));
    assert.ok(report.filesystem.usedPercent > 0 && report.filesystem.usedPercent < 100);
    assert.ok(report.tcp.established >= 0);
    assert.equal(report.cpu.perCpuBusyPercent.length > 0, true);
    await assert.rejects(
      use.process!({ pid: 4_000_000, seconds: 0.1 }, context),
      /no process matches pid 4000000: nothing was sampled/,
    );
    await assert.rejects(use.cpu!({ seconds: 0.1, extra: 1 }, context), /unknown field "extra"/);
  });

  test('a path that cannot be read is refused in words before any sample is taken', async () => {
    await assert.rejects(
      use.disk!({ seconds: 0.1, path: '/nonexistent/faultline' }, context),
      (error: Error) =>
        error.message ===
        'path "/nonexistent/faultline" cannot be read (it does not exist): give a path on the file system to report, or leave path out for /',
    );
  });

  test('faultline observe prints vmstat-like lines, or JSON', async () => {
    const result = await runCli(['observe', '-c', '1', '-i', '1', '--json']);
    assert.equal(result.code, 0, result.stderr);
    assert.ok(JSON.parse(result.stdout).memory.totalBytes > 0);
  });

  test('faultline observe --pid of no process says so before it prints anything', async () => {
    // 2^22 is the kernel's largest pid_max, and pids stay below pid_max: no process has it.
    const result = await runCli(['observe', '-c', '1', '-i', '1', '--pid', String(2 ** 22)]);
    assert.deepEqual(result, {
      code: 2,
      stdout: '',
      stderr:
        'faultline: there is no process 4194304 (no /proc/4194304); give the pid of a running process\n',
    });
  });

  test('faultline observe --pid of a process that exits while observed stops there and says so', async () => {
    const short = spawn('sh', ['-c', 'read line'], { stdio: ['pipe', 'ignore', 'ignore'] });
    try {
      const cli = spawnCli(['observe', '-c', '600', '-i', '1', '--pid', String(short.pid)]);
      await waitFor(() => /rss\n/.test(cli.output().stdout), 'a first reading', 20_000);
      short.stdin!.end();
      const result = await cli.done;
      // It exited 2, as for bad input, with "there is no process N".
      assert.equal(result.code, 0, result.stderr);
      assert.match(
        result.stderr,
        new RegExp(`^faultline: process ${short.pid} exited; \\d+ of 600 reading\\(s\\) taken\n$`),
      );
    } finally {
      short.kill('SIGKILL');
    }
  });
});

/** Each thread's nanoseconds on a CPU and waiting for one. */
function threadTimes(pid: number): Map<string, Schedstat> {
  const times = new Map<string, Schedstat>();
  for (const tid of readdirSync(`/proc/${pid}/task`))
    times.set(tid, parseSchedstat(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8')));
  return times;
}

/**
 * The share of its own time (running plus sleeping, not waiting for a CPU) that the busiest thread
 * of a process ran, polled until it has run `runMilliseconds` or `timeoutMs` has passed.
 */
async function dutyCycleOfBusiestThread(pid: number, runMilliseconds: number, timeoutMs: number) {
  const before = threadTimes(pid);
  const started = process.hrtime.bigint();
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    const wallNanoseconds = Number(process.hrtime.bigint() - started);
    const deltas = [...threadTimes(pid)].map(([tid, now]) => ({
      ran: now.runNanoseconds - (before.get(tid)?.runNanoseconds ?? 0),
      waited: now.waitNanoseconds - (before.get(tid)?.waitNanoseconds ?? 0),
    }));
    const busiest = deltas.reduce((most, thread) => (thread.ran > most.ran ? thread : most));
    if (busiest.ran >= runMilliseconds * 1e6 || wallNanoseconds > timeoutMs * 1e6) {
      const ranOrSlept = wallNanoseconds - busiest.waited;
      return {
        percent: Math.round((1000 * busiest.ran) / ranOrSlept) / 10,
        ranMs: Math.round(busiest.ran / 1e6),
        waitedMs: Math.round(busiest.waited / 1e6),
        wallMs: Math.round(wallNanoseconds / 1e6),
      };
    }
  }
}
