import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import { noLedger, openLedger, scanLedgers } from '../src/experiment/ledger.js';
import { undoLedger } from '../src/experiment/rollback.js';
import { cgroupByName, cgroupStats } from '../src/system/cgroups.js';
import { cgroupOperations as cgroup } from '../src/system/operations/cgroup-operations.js';
import { stressOperations as stress } from '../src/system/operations/stress-operations.js';
import { useOperations as use } from '../src/system/operations/use-operations.js';
import { startStress } from '../src/system/stress.js';
import { isStillRunning } from '../src/system/processes.js';
import { sampleUse } from '../src/system/use-probes.js';
import { runCli, tempDirectory, waitFor } from './helpers.js';

const directory = tempDirectory('resources');
const context = { ledger: noLedger, signal: new AbortController().signal, warn: () => undefined };

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

  test('CPU stress holds its target load, seen by the per-process USE probe', async () => {
    const running = await startStress({ kind: 'cpu', workers: 1, percent: 60, seconds: 30 });
    try {
      const report = await sampleUse({ seconds: 1, pid: running.identity.pid });
      assert.ok(
        report.process!.cpuPercent > 30 && report.process!.cpuPercent < 90,
        `${report.process!.cpuPercent}%`,
      );
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

  test('faultline observe prints vmstat-like lines, or JSON', async () => {
    const result = await runCli(['observe', '-c', '1', '-i', '1', '--json']);
    assert.equal(result.code, 0, result.stderr);
    assert.ok(JSON.parse(result.stdout).memory.totalBytes > 0);
  });
});
