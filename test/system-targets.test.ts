import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  existsSync,
  lstatSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { createExclusive, identifyFile } from '../src/system/private-files.js';
import { startStress } from '../src/system/stress.js';
import { undoSystem } from '../src/system/undo.js';
import { runCli, startTcpServer } from './helpers.js';
import { startSupervised } from './supervised-helpers.js';

const NOBODY = 65534;
const directory = mkdtempSync(join(tmpdir(), 'faultline-targets-'));
after(() => rmSync(directory, { recursive: true, force: true }));

describe('process selectors', () => {
  test('--match leaves out the faultline supervisor of the matched command unless --include-supervisors', async () => {
    const {
      tag,
      pidfile,
      supervisor,
      firstPid: child,
      stop,
    } = await startSupervised(directory, {
      prefix: 'srv',
    });
    assert.equal(statSync(pidfile).mode & 0o777, 0o644);

    const dry = await runCli(['process', 'kill', '--match', tag, '--dry-run']);
    assert.equal(dry.code, 0, dry.stderr);
    assert.deepEqual(
      dry.stdout
        .trim()
        .split('\n')
        .map((line) => Number(line.split(' ')[2])),
      [child],
    );
    assert.equal(
      dry.stderr,
      `faultline: left out 1 faultline supervisor(s) (${supervisor.child.pid}): --include-supervisors includes them; not signalled\n`,
      'the supervisor the match also found is named, not dropped in silence',
    );
    const both = await runCli(['process', 'kill', '--match', tag, '--dry-run', '--include-supervisors']);
    assert.equal(both.stderr, '');
    assert.deepEqual(
      both.stdout
        .trim()
        .split('\n')
        .map((line) => Number(line.split(' ')[2]))
        .sort(),
      [child, supervisor.child.pid!].sort(),
    );
    const onlySupervisor = await runCli(['process', 'kill', '--match', `supervise .*${tag}`]);
    assert.equal(onlySupervisor.code, 2);
    assert.match(
      onlySupervisor.stderr,
      new RegExp(
        `no process matches --match .*: nothing was signalled; left out 1 faultline supervisor\\(s\\) \\(${supervisor.child.pid}\\): --include-supervisors includes them`,
      ),
    );
    assert.equal(supervisor.child.exitCode, null, 'the supervisor was not touched');

    await stop();
    assert.equal(existsSync(pidfile), false, 'the supervisor removes its pidfile');
  });

  test('a selector that matches nothing exits non-zero, unless --expect 0', async () => {
    const nothing = `no-such-process-${randomBytes(4).toString('hex')}`;
    const refused = await runCli(['process', 'kill', '--match', nothing]);
    assert.equal(refused.code, 2);
    assert.equal(
      refused.stderr,
      `faultline: no process matches --match "${nothing}": nothing was signalled\n`,
    );
    const expected = await runCli(['process', 'kill', '--match', nothing, '--expect', '0']);
    assert.equal(expected.code, 0, expected.stderr);
  });

  test(
    "--port held by another user's process, run without root, says that only root can see it",
    { skip: process.getuid?.() !== 0 && 'needs root, to run the CLI as another user' },
    async () => {
      const held = await startTcpServer(() => undefined);
      after(() => held.close());
      const ledger = mkdtempSync(join(tmpdir(), 'faultline-nobody-'));
      after(() => rmSync(ledger, { recursive: true, force: true }));
      chownSync(ledger, NOBODY, NOBODY);
      const asNobody = (args: string[]) => {
        const cli = new URL('../src/cli/main.js', import.meta.url).pathname;
        const child = spawn(process.execPath, [cli, ...args], {
          uid: NOBODY,
          gid: NOBODY,
          env: { PATH: process.env.PATH ?? '', FAULTLINE_LEDGER_DIR: join(ledger, 'ledger') },
          stdio: ['ignore', 'ignore', 'pipe'],
        });
        let stderr = '';
        child.stderr!.on('data', (chunk) => (stderr += chunk));
        return new Promise<{ code: number | null; stderr: string }>((resolve) =>
          child.on('close', (code) => resolve({ code, stderr })),
        );
      };
      const unseen = `port ${held.port} is held by a listening socket of uid 0, whose process only root can see: run faultline as root (sudo)`;
      const counted = await asNobody([
        'process',
        'kill',
        '--port',
        String(held.port),
        '--expect',
        '1',
        '--dry-run',
      ]);
      assert.equal(counted.code, 2, counted.stderr);
      assert.equal(
        counted.stderr,
        `faultline: 0 processes match but --expect 1: nothing was signalled; ${unseen}\n`,
      );
      const any = await asNobody(['process', 'kill', '--port', String(held.port), '--dry-run']);
      assert.equal(any.code, 2, any.stderr);
      assert.equal(
        any.stderr,
        `faultline: no process matches --port ${held.port}: nothing was signalled; ${unseen}\n`,
      );
    },
  );
});

describe('pidfiles', () => {
  const pidfileWith = (name: string, pid: number, mode = 0o644) => {
    const path = join(directory, name);
    writeFileSync(path, `${pid}\n`);
    chmodSync(path, mode);
    return path;
  };

  test("process kill --pidfile refuses another user's pidfile, one others can write, and a symlink", async () => {
    const sleeper = spawn('sleep', ['600'], { stdio: 'ignore' });
    after(() => sleeper.kill('SIGKILL'));
    const pid = sleeper.pid!;
    const theirs = pidfileWith('theirs.pid', pid);
    chownSync(theirs, NOBODY, NOBODY);
    const refused = await runCli(['process', 'kill', '--pidfile', theirs, '--dry-run']);
    assert.equal(refused.code, 1);
    assert.equal(
      refused.stderr,
      `faultline: refused pidfile ${theirs}: it is owned by uid ${NOBODY}, not by you (uid 0); remove it if you did not write it\n`,
    );
    const open = pidfileWith('open.pid', pid, 0o666);
    assert.match(
      (await runCli(['process', 'kill', '--pidfile', open, '--dry-run'])).stderr,
      /it is writable by group or others \(mode 0666\)/,
    );
    const link = join(directory, 'link.pid');
    symlinkSync(pidfileWith('target.pid', pid), link);
    assert.match(
      (await runCli(['process', 'kill', '--pidfile', link, '--dry-run'])).stderr,
      new RegExp(`pidfile ${link} is a symbolic link`),
    );
    const own = pidfileWith('own.pid', pid);
    const works = await runCli(['process', 'kill', '--pidfile', own, '--dry-run']);
    assert.equal(works.code, 0, works.stderr);
    assert.match(works.stdout, new RegExp(`^would signal ${pid} `));
  });

  test("supervise --pidfile refuses to write into another user's file, and starts nothing", async () => {
    const theirs = pidfileWith('planted.pid', 1);
    chownSync(theirs, NOBODY, NOBODY);
    const marker = join(directory, 'started');
    const result = await runCli([
      'supervise',
      '--pidfile',
      theirs,
      '--',
      process.execPath,
      '-e',
      `require('fs').writeFileSync(${JSON.stringify(marker)}, 'x')`,
    ]);
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      new RegExp(
        `refused pidfile ${theirs}: it is owned by uid ${NOBODY}, not by you \\(uid 0\\); remove it or choose another path`,
      ),
    );
    assert.equal(readFileSync(theirs, 'utf8'), '1\n');
    assert.equal(existsSync(marker), false);
  });
});

describe('files the system faults write', () => {
  test('an exclusive create never writes through a planted symlink', () => {
    const target = join(directory, 'root-owned');
    writeFileSync(target, 'original\n');
    const planted = join(directory, 'planted-link');
    symlinkSync(target, planted);
    assert.throws(() => createExclusive(planted), { code: 'EEXIST' });
    assert.equal(readFileSync(target, 'utf8'), 'original\n');
  });

  test('io stress writes in a private directory of its own, removed at the end', async () => {
    const path = mkdtempSync(join(directory, 'io-'));
    const running = await startStress({ kind: 'io', path, blockBytes: 4096, fsync: false, seconds: 30 });
    const [made] = readdirSync(path);
    assert.match(made!, /^faultline-io-\w{6}$/);
    const stats = lstatSync(join(path, made!));
    assert.equal(stats.isDirectory(), true);
    assert.equal(stats.mode & 0o777, 0o700);
    running.stop();
    await running.finished;
    assert.deepEqual(readdirSync(path), []);
  });

  test('a remove-file undo leaves alone a file that has taken the place of the one created', async () => {
    const path = join(directory, 'fill');
    writeFileSync(path, 'created by the run\n');
    const identity = identifyFile(path);
    writeFileSync(join(directory, 'other'), 'someone else\n');
    renameSync(join(directory, 'other'), path);
    assert.deepEqual(await undoSystem({ kind: 'remove-file', ...identity }), {
      result: 'already gone',
      note: `${path} now names another file, left alone`,
    });
    assert.equal(readFileSync(path, 'utf8'), 'someone else\n');
    writeFileSync(join(directory, 'fill2'), 'x');
    const own = identifyFile(join(directory, 'fill2'));
    assert.deepEqual(await undoSystem({ kind: 'remove-file', ...own }), { result: 'undone' });
    assert.equal(existsSync(own.path), false);
  });
});
