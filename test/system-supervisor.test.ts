import assert from 'node:assert/strict';
import { once } from 'node:events';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { type SupervisorEvent, supervise } from '../src/system/supervisor.js';
import { runCli, spawnCli, tempDirectory, waitFor } from './helpers.js';

const directory = tempDirectory('supervisor');
const exitAt = (code: number) => [process.execPath, '-e', `process.exit(${code})`];
const sleeper = [process.execPath, '-e', 'setInterval(() => {}, 1000)'];

describe('supervisor', () => {
  test('a crash loop hits the start limit, as systemd does: 5 starts within the interval, then failed', async () => {
    const events: SupervisorEvent[] = [];
    const supervised = supervise(exitAt(3), {
      stdio: 'ignore',
      policy: { restartDelayMs: 10, startLimitBurst: 5, startLimitIntervalMs: 60_000 },
      onEvent: (event) => events.push(event),
    });
    assert.equal(await supervised.done, 'failed');
    assert.equal(supervised.starts, 5);
    assert.equal(events.filter((event) => event.type === 'exited').length, 5);
    const failed = events.at(-1);
    assert.equal(failed?.type, 'failed');
    assert.match((failed as { detail: string }).detail, /5 starts within 60 s/);
  });

  test("start limit 0 (the book's fix) keeps restarting; on-failure stops at the first clean exit", async () => {
    const counter = join(directory, 'count');
    const script = `const fs=require('fs');let n=0;try{n=+fs.readFileSync('${counter}','utf8')}catch{};fs.writeFileSync('${counter}',String(n+1));process.exit(n<7?1:0)`;
    const supervised = supervise([process.execPath, '-e', script], {
      stdio: 'ignore',
      policy: { restart: 'on-failure', restartDelayMs: 1, startLimitBurst: 5, startLimitIntervalMs: 0 },
    });
    assert.equal(await supervised.done, 'exited');
    assert.equal(supervised.starts, 8);
  });

  test('on-failure, as systemd: SIGKILL is a failure and restarts, SIGTERM is a clean exit and does not', async () => {
    const supervised = supervise(sleeper, {
      stdio: 'ignore',
      policy: { restart: 'on-failure', restartDelayMs: 1, startLimitBurst: 5, startLimitIntervalMs: 10_000 },
    });
    await waitFor(() => supervised.pid !== undefined, 'the first start');
    const first = supervised.pid!;
    process.kill(first, 'SIGKILL');
    await waitFor(() => supervised.pid !== undefined && supervised.pid !== first, 'the restart');
    process.kill(supervised.pid!, 'SIGTERM');
    assert.equal(await supervised.done, 'exited');
    assert.equal(supervised.starts, 2);
  });

  test('restart never: a failed exit leaves the service failed, as systemd does; a clean one, exited', async () => {
    const events: SupervisorEvent[] = [];
    const policy = { restart: 'never' as const };
    const failing = supervise(exitAt(3), { stdio: 'ignore', policy, onEvent: (event) => events.push(event) });
    assert.equal(await failing.done, 'failed');
    assert.deepEqual(events.at(-1), {
      type: 'failed',
      reason: 'exit-code',
      detail: 'the service exited with 3, and Restart=never does not restart it',
    });
    assert.equal(await supervise(exitAt(0), { stdio: 'ignore', policy }).done, 'exited');
    const cli = await runCli(['supervise', '--restart', 'never', '--', ...exitAt(3)]);
    assert.equal(cli.code, 1, 'the CLI exits 1 for a failed service');
    assert.match(cli.stderr, /failed \(exit-code\): the service exited with 3, and Restart=never/);
  });

  test('stop() ends the running instance and no restart follows', async () => {
    const events: SupervisorEvent[] = [];
    const supervised = supervise(sleeper, { stdio: 'ignore', onEvent: (event) => events.push(event) });
    await waitFor(() => supervised.pid !== undefined, 'the first start');
    await supervised.stop();
    assert.equal(await supervised.done, 'stopped');
    assert.deepEqual(
      events.map((event) => event.type),
      ['started', 'exited', 'stopped'],
    );
  });
});

describe('faultline supervise and process kill --pidfile', () => {
  const pidfile = join(directory, 'target.pid');
  const supervisor = spawnCli(['supervise', '--pidfile', pidfile, '--restart-delay', '10', '--', ...sleeper]);
  after(async () => {
    if (supervisor.child.exitCode === null) {
      const exited = once(supervisor.child, 'exit');
      supervisor.child.kill('SIGTERM');
      await exited;
    }
  });

  test('a killed target is restarted with a new pid, and the pidfile follows it', async () => {
    await waitFor(() => {
      try {
        return Number(readFileSync(pidfile, 'utf8')) > 0;
      } catch {
        return false;
      }
    }, 'the pidfile');
    const first = Number(readFileSync(pidfile, 'utf8'));
    const dry = await runCli(['process', 'kill', '--pidfile', pidfile, '--dry-run']);
    assert.match(dry.stdout, new RegExp(`would signal ${first} `));
    const kill = await runCli(['process', 'kill', '--pidfile', pidfile, '--expect', '1', '--signal', 'KILL']);
    assert.equal(kill.code, 0, kill.stderr);
    await waitFor(() => Number(readFileSync(pidfile, 'utf8')) !== first, 'the restart');
    await waitFor(
      () => supervisor.output().stderr.includes('killed by SIGKILL (exit status 137)'),
      'the exit report',
    );
    assert.match(supervisor.output().stderr, /restarting in 10 ms/);
  });

  test('pause stops the target and resumes it after --for, and SIGTERM stops the supervisor cleanly', async () => {
    const pid = Number(readFileSync(pidfile, 'utf8'));
    const pause = spawnCli(['process', 'pause', '--pid', String(pid), '--for', '1']);
    await waitFor(() => readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') T '), 'the pause');
    const [code] = (await once(pause.child, 'exit')) as [number];
    assert.equal(code, 0, pause.output().stderr);
    assert.doesNotMatch(readFileSync(`/proc/${pid}/stat`, 'utf8'), /\) T /);
    const exited = once(supervisor.child, 'exit');
    supervisor.child.kill('SIGTERM');
    const [status] = (await exited) as [number];
    assert.equal(status, 0);
    assert.throws(() => readFileSync(pidfile), /ENOENT/, 'the pidfile is removed');
  });

  test('bad input: two selectors, a pidfile that holds no pid or is not there, a --match that does not compile', async () => {
    const both = await runCli(['process', 'pause', '--pid', '1', '--port', '80']);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /exactly one of pid, port, match or pidfile/);
    const bad = join(directory, 'bad.pid');
    await import('node:fs').then((fs) => fs.writeFileSync(bad, 'hello'));
    const notPid = await runCli(['process', 'kill', '--pidfile', bad]);
    assert.equal(notPid.code, 2);
    assert.match(notPid.stderr, /holds "hello", not a pid/);
    const missing = await runCli(['process', 'kill', '--pidfile', join(directory, 'none.pid')]);
    assert.equal(missing.code, 2);
    assert.match(
      missing.stderr,
      /^faultline: cannot read pidfile \S+none\.pid: there is no such file; check the path, or whether the program \(or its supervisor\) has written it yet; nothing was touched\n$/,
    );
    const unbalanced = await runCli(['process', 'kill', '--match', 'srv.mjs (8001']);
    assert.equal(unbalanced.code, 2);
    assert.match(
      unbalanced.stderr,
      /^faultline: match "srv\.mjs \(8001" is not a regular expression faultline can run \(error parsing regexp: missing closing \): `srv\.mjs \(8001`\); it is RE2 syntax, .* escape the characters .* with a backslash to match them as they are/,
    );
  });
});

describe('a program that cannot run is a usage error: exit 2, nothing started', () => {
  const cannot = (program: string, reason: string) =>
    `faultline: cannot supervise ${program} --port 1: ${reason}; nothing was started\n`;

  test('supervise: a missing path, a file without x, a directory, a name not in PATH', async () => {
    const notExecutable = join(directory, 'not-executable.sh');
    writeFileSync(notExecutable, 'exit 0\n', { mode: 0o644 });
    const pidfile = join(directory, 'never.pid');
    const cases: Array<[string, string, Record<string, string>]> = [
      [join(directory, 'missing'), `${join(directory, 'missing')} does not exist; check the path`, {}],
      [
        notExecutable,
        `${notExecutable} is not executable; make it so (chmod +x ${notExecutable}) or run it through its interpreter (sh ${notExecutable})`,
        {},
      ],
      [directory, `${directory} is not a file (a directory?); give the program inside it`, {}],
      [
        'faultline-no-such-program',
        `no executable named faultline-no-such-program in PATH (${directory}); give its path (./faultline-no-such-program for one in this directory), or install it`,
        { PATH: directory },
      ],
    ];
    for (const [program, reason, env] of cases) {
      const result = await runCli(['supervise', '--pidfile', pidfile, '--', program, '--port', '1'], env);
      assert.deepEqual([result.code, result.stderr], [2, cannot(program, reason)], program);
      assert.equal(existsSync(pidfile), false, 'nothing started, no pidfile');
    }
  });

  test('syscall inject: the same check, before strace is asked', async () => {
    const missing = join(directory, 'missing');
    const result = await runCli(['syscall', 'inject', '--syscall', 'write', '--error', 'EIO', '--', missing]);
    assert.deepEqual(
      [result.code, result.stderr],
      [
        2,
        `faultline: cannot run ${missing}: ${missing} does not exist; check the path; nothing was started\n`,
      ],
    );
  });
});
