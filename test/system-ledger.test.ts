import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { identify } from '../src/system/processes.js';
import { createProxy, spawnCli, startEchoServer, startHarness, waitFor } from './helpers.js';

const NOBODY = 65534;
const cli = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'faultline-ledger-'));
const children: ChildProcess[] = [];
after(() => {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, 'SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

let made = 0;
const fresh = (name: string) => {
  const path = join(root, `${name}-${(made += 1)}`);
  mkdirSync(path, { mode: 0o700 });
  return path;
};

/** The CLI run in `cwd`, with the ledger settings of `env` only (none inherited from this process). */
async function faultline(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}) {
  const env: NodeJS.ProcessEnv = { ...process.env, ...options.env };
  if (!options.env?.FAULTLINE_LEDGER_DIR) delete env.FAULTLINE_LEDGER_DIR;
  const child = spawn(process.execPath, [cli, ...args], {
    cwd: options.cwd ?? root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const [code] = (await once(child, 'close')) as [number | null];
  return { code, stdout, stderr };
}

/**
 * `sleep 600` in a process group of its own whose parent (this process) is in another group of
 * the same session, so the group is never orphaned: the kernel discards SIGTSTP, SIGTTIN and
 * SIGTTOU sent to an orphaned group's processes, which is what this test's own group is when a
 * CI runner starts it in a session of its own. `ignoring` starts it with that signal ignored.
 */
function sleeper(ignoring?: string): ChildProcess {
  const ignore = ignoring ? `signal.signal(signal.${ignoring}, signal.SIG_IGN); ` : '';
  const child = spawn(
    'python3',
    ['-c', `import os, signal; ${ignore}os.setpgid(0, 0); os.execvp("sleep", ["sleep", "600"])`],
    { stdio: 'ignore' },
  );
  children.push(child);
  return child;
}

/** The command line of a process, as /proc shows it after its last exec. */
function commandOf(pid: number): string {
  return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
}

/** The one-letter state in /proc/PID/stat: T when stopped. */
function stateOf(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0]!;
}

function header(run: string, extra: object = {}) {
  return {
    format: 1,
    run,
    pid: 4_000_000,
    startTime: null,
    uid: process.getuid!(),
    cwd: '/somewhere/else',
    experiment: `experiment ${run}`,
    started: '2026-01-01T00:00:00.000Z',
    ...extra,
  };
}

const entry = (undo: object, extra: object = {}) => ({
  seq: 1,
  time: '2026-01-01T00:00:01.000Z',
  description: 'what the author says',
  undo,
  ...extra,
});

/** Writes a ledger file as given (mode 0600 unless told), as a run or an attacker would. */
function writeLedger(directory: string, run: string, lines: unknown[], mode = 0o600): string {
  const path = join(directory, `${run}.jsonl`);
  writeFileSync(
    path,
    lines.map((line) => (typeof line === 'string' ? line : JSON.stringify(line))).join('\n') + '\n',
    {
      mode,
    },
  );
  chmodSync(path, mode);
  return path;
}

/** A file root owns that a planted remove-file record aims at, with its real device and inode. */
function victim() {
  const path = join(fresh('victim'), 'precious');
  writeFileSync(path, 'keep me\n');
  const stats = statSync(path, { bigint: true });
  return { path, undo: { kind: 'remove-file', path, device: String(stats.dev), inode: String(stats.ino) } };
}

describe('the ledger: one private place per user', () => {
  test('kept under XDG_STATE_HOME (directory 0700, file 0600) and rolled back from any directory', async () => {
    const state = fresh('state');
    const started = fresh('started-here');
    const elsewhere = fresh('elsewhere');
    const target = sleeper();
    await waitFor(() => /^sleep/.test(commandOf(target.pid!)), 'the sleeper to start');
    const env = { XDG_STATE_HOME: state };
    const paused = await faultline(['process', 'pause', '--pid', String(target.pid)], { cwd: started, env });
    assert.equal(paused.code, 0, paused.stderr);
    const directory = join(state, 'faultline', 'ledger');
    assert.match(paused.stderr, new RegExp(`"faultline rollback" undoes it \\(ledger ${directory}/cli-`));
    assert.equal(stateOf(target.pid!), 'T');
    assert.equal(statSync(directory).mode & 0o777, 0o700);
    const [file] = readdirSync(directory);
    assert.equal(statSync(join(directory, file!)).mode & 0o777, 0o600);

    mkdirSync(join(elsewhere, '.faultline', 'ledger'), { recursive: true });
    const preview = await faultline(['rollback', '--dry-run'], { cwd: elsewhere, env });
    assert.equal(preview.code, 0, preview.stderr);
    assert.equal(
      preview.stderr,
      `faultline: warning: ${elsewhere}/.faultline/ledger is not read (ledgers live in ${directory} now); look inside and remove it\n`,
    );
    assert.match(preview.stdout, new RegExp(`^looked in ${directory}\n`));
    assert.match(preview.stdout, new RegExp(`started .* in ${started}:`));
    assert.match(
      preview.stdout,
      new RegExp(
        `would undo: paused process ${target.pid} \\(sleep 600\\)\n    by: SIGCONT pid ${target.pid} if it is still the process started at tick \\d+\n`,
      ),
    );
    assert.equal(stateOf(target.pid!), 'T', '--dry-run does nothing');

    const rolled = await faultline(['rollback'], { cwd: elsewhere, env });
    assert.equal(rolled.code, 0, rolled.stderr);
    assert.match(rolled.stdout, new RegExp(`undone: paused process ${target.pid}`));
    assert.notEqual(stateOf(target.pid!), 'T');
    assert.deepEqual(readdirSync(directory), []);
    const again = await faultline(['rollback'], { cwd: elsewhere, env });
    assert.match(again.stdout, /nothing to roll back/);
  });

  test('a planted ledger owned by another user is refused and named, and nothing in it runs', async () => {
    const directory = fresh('planted');
    const { path, undo } = victim();
    const planted = writeLedger(directory, 'planted', [header('planted'), entry(undo)], 0o644);
    chownSync(planted, NOBODY, NOBODY);
    const result = await faultline(['rollback', '--ledger-dir', directory]);
    assert.equal(result.code, 1);
    assert.equal(
      result.stderr,
      `faultline: refused ledger ${planted}: it is owned by uid ${NOBODY}, not by you (uid 0); remove it if you did not write it; nothing in it was run\n`,
    );
    assert.equal(readFileSync(path, 'utf8'), 'keep me\n');

    const own = fresh('own');
    writeLedger(own, 'mine', [header('mine'), entry(undo)]);
    const legitimate = await faultline(['rollback', '--ledger-dir', own]);
    assert.equal(legitimate.code, 0, legitimate.stderr);
    assert.match(legitimate.stdout, /undone: what the author says/);
    assert.equal(existsSync(path), false, 'the same record of your own is carried out');
  });

  test('a free-form command record, a line that is not JSON, or a wrong header is refused, never run', async () => {
    const directory = fresh('unparsed');
    const marker = join(directory, 'ran');
    const commands = writeLedger(directory, 'commands', [
      header('commands'),
      entry({ kind: 'run-commands', commands: [['touch', marker]] }),
    ]);
    const garbage = writeLedger(directory, 'garbage', [header('garbage'), 'rm -rf /']);
    const escape = writeLedger(directory, 'escape', [
      header('escape'),
      entry({ kind: 'remove-cgroup', cgroup: 'x', moved: [{ pid: 1, from: { cpu: '/../../etc' } }] }),
    ]);
    const renamed = writeLedger(directory, 'renamed', [
      header('another-run'),
      entry({ kind: 'destroy-lab', lab: 'x' }),
    ]);
    const result = await faultline(['rollback', '--ledger-dir', directory]);
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      new RegExp(
        `refused ledger ${commands}: line 2: undo kind "run-commands" is none faultline carries out \\(delete-proxy, `,
      ),
    );
    assert.match(
      result.stderr,
      new RegExp(`refused ledger ${garbage}: line 2 is not JSON; nothing in it was run`),
    );
    assert.match(
      result.stderr,
      new RegExp(`refused ledger ${renamed}: its header names run another-run, not this file`),
    );
    assert.match(
      result.stderr,
      new RegExp(
        `refused ledger ${escape}: line 2, undo.moved.0.from.cpu: a cgroup path must be absolute, without empty, . or .. segments; nothing in it was run`,
      ),
    );
    assert.equal(existsSync(marker), false);
  });

  test('a ledger writable by others, a symlink, or a directory others can write is refused', async () => {
    const directory = fresh('modes');
    const { path, undo } = victim();
    const writable = writeLedger(directory, 'writable', [header('writable'), entry(undo)], 0o666);
    symlinkSync(writable, join(directory, 'linked.jsonl'));
    const files = await faultline(['rollback', '--ledger-dir', directory]);
    assert.equal(files.code, 1);
    assert.match(
      files.stderr,
      new RegExp(`refused ledger ${writable}: it is writable by group or others \\(mode 0666\\)`),
    );
    assert.match(files.stderr, new RegExp(`ledger ${directory}/linked.jsonl is a symbolic link`));
    assert.equal(existsSync(path), true);

    const open = fresh('open');
    writeLedger(open, 'fine', [header('fine'), entry(undo)]);
    chmodSync(open, 0o777);
    const openResult = await faultline(['rollback', '--ledger-dir', open]);
    assert.equal(openResult.code, 2);
    assert.match(
      openResult.stderr,
      new RegExp(
        `refused the ledger directory ${open}: it is writable by group or others \\(mode 0777\\).*nothing was undone`,
      ),
    );
    const theirs = fresh('theirs');
    const inside = join(theirs, 'ledger');
    mkdirSync(inside, { mode: 0o700 });
    writeLedger(inside, 'fine', [header('fine'), entry(undo)]);
    chownSync(theirs, NOBODY, NOBODY);
    const aboveResult = await faultline(['rollback', '--ledger-dir', inside]);
    assert.equal(aboveResult.code, 2);
    assert.match(aboveResult.stderr, new RegExp(`${theirs} above it is owned by uid ${NOBODY}`));
    assert.equal(existsSync(path), true);
  });

  test('--dry-run shows the exact request; a live run is skipped with a non-zero exit unless --force', async () => {
    const harness = await startHarness();
    after(() => harness.close());
    const echo = await startEchoServer();
    await createProxy(harness, 'base', echo.address);
    await harness.api('POST', '/proxies/base/toxics', {
      name: 'slow',
      type: 'latency',
      attributes: { latency: 5 },
    });
    const directory = fresh('dry');
    const alive = sleeper();
    await waitFor(() => identify(alive.pid!) !== undefined, 'the sleeper to start');
    const identity = identify(alive.pid!)!;
    writeLedger(directory, 'live', [
      header('live', { pid: identity.pid, startTime: identity.startTime }),
      entry(
        { kind: 'remove-toxic', proxy: 'base', toxic: 'slow' },
        { server: harness.url, description: 'added latency toxic slow on base' },
      ),
    ]);
    const skipped = await faultline(['rollback', '--ledger-dir', directory, '--dry-run']);
    assert.equal(skipped.code, 1);
    assert.match(
      skipped.stdout,
      new RegExp(
        `skipped run live \\(experiment live\\) from /somewhere/else: it is still running as pid ${alive.pid}; --force undoes it anyway`,
      ),
    );
    const preview = await faultline(['rollback', '--ledger-dir', directory, '--dry-run', '--force']);
    assert.equal(preview.code, 0, preview.stderr);
    assert.match(
      preview.stdout,
      new RegExp(
        `would undo: added latency toxic slow on base \\(${harness.url}\\)\n    by: DELETE ${harness.url}/proxies/base/toxics/slow\n`,
      ),
    );
    assert.equal((await harness.api('GET', '/proxies/base/toxics')).json.length, 1, '--dry-run does nothing');
    const forced = await faultline(['rollback', '--ledger-dir', directory, '--force']);
    assert.equal(forced.code, 0, forced.stderr);
    assert.deepEqual((await harness.api('GET', '/proxies/base/toxics')).json, []);
  });

  test('--dry-run says "already gone" for what the real run will find gone, with why', async () => {
    const harness = await startHarness();
    after(() => harness.close());
    const echo = await startEchoServer();
    await createProxy(harness, 'kept', echo.address);
    const directory = fresh('dry-gone');
    const exited = sleeper();
    await waitFor(() => identify(exited.pid!) !== undefined, 'the sleeper to start');
    const identity = identify(exited.pid!)!;
    process.kill(exited.pid!, 'SIGKILL');
    await waitFor(() => identify(exited.pid!) === undefined, 'the sleeper to be gone');
    writeLedger(directory, 'gone', [
      header('gone'),
      entry({ kind: 'resume-process', process: identity }, { description: `paused process ${identity.pid}` }),
      entry(
        { kind: 'remove-toxic', proxy: 'kept', toxic: 'removed' },
        { seq: 2, server: harness.url, description: 'added toxic removed on kept' },
      ),
      entry(
        { kind: 'delete-proxy', proxy: 'kept' },
        { seq: 3, server: harness.url, description: 'created kept' },
      ),
    ]);
    const preview = await faultline(['rollback', '--ledger-dir', directory, '--dry-run']);
    assert.equal(preview.code, 0, preview.stderr);
    assert.equal(
      preview.stdout.split('\n').slice(2).join('\n'),
      [
        `  would undo: created kept (${harness.url})`,
        `    by: DELETE ${harness.url}/proxies/kept`,
        `  already gone: added toxic removed on kept (${harness.url}) (${harness.url} answers: get toxic removed of kept: HTTP 404: toxic not found); nothing to undo`,
        `  already gone: paused process ${identity.pid} (pid ${identity.pid} has exited); nothing to undo`,
        '',
      ].join('\n'),
    );
    const rolled = await faultline(['rollback', '--ledger-dir', directory]);
    assert.equal(rolled.code, 0, rolled.stderr);
    assert.match(rolled.stdout, new RegExp(`undone: created kept`));
    assert.match(rolled.stdout, new RegExp(`already gone: added toxic removed on kept`));
    assert.match(
      rolled.stdout,
      new RegExp(`already gone: paused process ${identity.pid} \\(pid ${identity.pid} has exited\\)`),
    );
    assert.equal((await harness.api('GET', '/proxies/kept')).status, 404);
  });

  test('--dry-run says which entries the real run would fail on, and exits 1 as it would', async () => {
    const directory = fresh('dry-unreachable');
    writeLedger(directory, 'away', [
      header('away'),
      entry(
        { kind: 'delete-proxy', proxy: 'far' },
        { server: 'http://127.0.0.1:9', description: 'created far' },
      ),
    ]);
    const preview = await faultline(['rollback', '--ledger-dir', directory, '--dry-run']);
    assert.equal(preview.code, 1, preview.stdout);
    assert.match(
      preview.stdout,
      /\n {2}would fail: created far \(http:\/\/127\.0\.0\.1:9\): .*cannot reach the faultline server at http:\/\/127\.0\.0\.1:9/,
    );
  });
});

describe('the ledger after a crash', () => {
  test('a disk fill left by a killed CLI and a killed worker is removed by rollback, by device and inode', async () => {
    const directory = fresh('crash');
    const fill = fresh('fill');
    const cliRun = spawn(
      process.execPath,
      [cli, 'stress', 'disk', '--path', fill, '--bytes', '1M', '-t', '600'],
      {
        env: { ...process.env, FAULTLINE_LEDGER_DIR: directory },
        stdio: 'ignore',
      },
    );
    children.push(cliRun);
    const records = () => {
      const [file] = readdirSync(directory);
      if (file === undefined) return [];
      return readFileSync(join(directory, file), 'utf8')
        .split('\n')
        .filter(Boolean)
        .slice(1)
        .map((line) => JSON.parse(line) as { undo: Record<string, unknown> });
    };
    await waitFor(() => records().length === 2, 'the stress and its file to be recorded', 10_000);
    const [stress, file] = records();
    assert.equal(stress!.undo.kind, 'stop-process');
    const worker = (stress!.undo.process as { pid: number }).pid;
    const path = file!.undo.path as string;
    const stats = statSync(path, { bigint: true });
    assert.deepEqual(file!.undo, {
      kind: 'remove-file',
      path,
      device: String(stats.dev),
      inode: String(stats.ino),
    });
    process.kill(cliRun.pid!, 'SIGKILL');
    process.kill(worker, 'SIGKILL');
    await waitFor(() => identify(worker) === undefined, 'the worker to be gone');
    assert.equal(existsSync(path), true, 'nothing removed the file');
    const rolled = await faultline(['rollback'], { env: { FAULTLINE_LEDGER_DIR: directory } });
    assert.equal(rolled.code, 0, rolled.stderr);
    assert.match(
      rolled.stdout,
      /undone: filled .* with faultline-fill-\d+-[0-9a-f]{8}\n.*already gone: started disk stress/s,
    );
    assert.equal(existsSync(path), false);
    assert.deepEqual(readdirSync(directory), []);
  });
});

describe('the ledger: every undo clears its entry', () => {
  test('a timed pause undoes what it holds in memory, not what the file says by then', async () => {
    const directory = fresh('timed');
    const { path, undo } = victim();
    const target = sleeper();
    await waitFor(() => /^sleep/.test(commandOf(target.pid!)), 'the sleeper to start');
    const running = faultline(['process', 'pause', '--pid', String(target.pid), '--for', '2'], {
      env: { FAULTLINE_LEDGER_DIR: directory },
    });
    await waitFor(() => readdirSync(directory).length === 1, 'the ledger to be written');
    const [file] = readdirSync(directory);
    const run = file!.replace(/\.jsonl$/, '');
    writeLedger(directory, run, [header(run), entry(undo)]);
    const result = await running;
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, new RegExp(`undone: paused process ${target.pid}`));
    assert.equal(readFileSync(path, 'utf8'), 'keep me\n', 'the swapped-in record was never read');
    assert.notEqual(stateOf(target.pid!), 'T');
    assert.deepEqual(readdirSync(directory), []);
  });

  test('a stress that ends by itself leaves nothing to undo and says nothing is "already gone"', async () => {
    const directory = fresh('stress');
    const result = await faultline(['stress', 'cpu', '--percent', '10', '-t', '1'], {
      env: { FAULTLINE_LEDGER_DIR: directory },
    });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /faultline: stress exited with 0: burned CPU for 1 s\n$/);
    assert.doesNotMatch(result.stderr, /already gone|undoing/);
    assert.deepEqual(readdirSync(directory), []);
  });

  test('a stress killed before its time (the OOM killer, a kill) exits 1, as stress(1) does', async () => {
    const directory = fresh('stress-killed');
    const cli = spawnCli(['stress', 'cpu', '--percent', '10', '-t', '600'], {
      FAULTLINE_LEDGER_DIR: directory,
    });
    await waitFor(() => /stress pid \d+:/.test(cli.output().stderr), 'the stress to start', 20_000);
    const worker = Number(/stress pid (\d+):/.exec(cli.output().stderr)![1]);
    process.kill(worker, 'SIGKILL');
    const result = await cli.done;
    // It exited 0, so "faultline stress … && echo held" said held for a stress that was not.
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /faultline: stress killed by SIGKILL \(exit status 137\)/);
    assert.deepEqual(readdirSync(directory), []);
  });

  test('cgroup remove clears the entry that would remove it again', async () => {
    const directory = fresh('cgroup');
    const env = { FAULTLINE_LEDGER_DIR: directory };
    const created = await faultline(['cgroup', 'create', 'test-ledger', '--cpu', '50'], { env });
    assert.equal(created.code, 0, created.stderr);
    assert.equal(readdirSync(directory).length, 1);
    const removed = await faultline(['cgroup', 'remove', 'test-ledger'], { env });
    assert.equal(removed.code, 0, removed.stderr);
    assert.deepEqual(readdirSync(directory), []);
    const rolled = await faultline(['rollback'], { env });
    assert.equal(rolled.code, 0, rolled.stderr);
    assert.match(rolled.stdout, /nothing to roll back/);
  });

  test('net destroy clears the entries of its lab', async () => {
    const directory = fresh('net');
    const env = { FAULTLINE_LEDGER_DIR: directory };
    const created = await faultline(['net', 'create', 'flledger', '--hosts', 'a,b'], { env });
    assert.equal(created.code, 0, created.stderr);
    try {
      const cut = await faultline(['net', 'partition', 'flledger', 'a', 'b'], { env });
      assert.equal(cut.code, 0, cut.stderr);
      assert.equal(readdirSync(directory).length, 2);
      const preview = await faultline(['rollback', '--dry-run'], { env });
      // Both filters of the partition have one priority of its own, from 1000 to 49999.
      const [, priority] =
        /by: ip netns exec fl-flledger-sw tc filter del dev p1 parent 1: protocol ip prio (\d+); ip netns exec fl-flledger-sw tc filter del dev p2 parent 1: protocol ip prio \1\n/.exec(
          preview.stdout,
        ) ?? [];
      assert.ok(Number(priority) >= 1000 && Number(priority) <= 49_999, preview.stdout);
    } finally {
      const destroyed = await faultline(['net', 'destroy', 'flledger'], { env });
      assert.equal(destroyed.code, 0, destroyed.stderr);
    }
    assert.deepEqual(readdirSync(directory), []);
    assert.match((await faultline(['rollback'], { env })).stdout, /nothing to roll back/);
  });
});

describe('stopping signals sent with process kill', () => {
  test('SIGTSTP, and SIGSTOP by number, are recorded as pauses: rollback resumes the process', async () => {
    const directory = fresh('kill-stop');
    const env = { FAULTLINE_LEDGER_DIR: directory };
    const target = sleeper();
    await waitFor(() => /^sleep/.test(commandOf(target.pid!)), 'the sleeper to start');
    const pid = String(target.pid);
    const stopped = await faultline(['process', 'kill', '--pid', pid, '--signal', 'TSTP'], { env });
    assert.equal(stopped.code, 0, stopped.stderr);
    assert.equal(stopped.stdout, `signal ${pid} (sleep 600) with SIGTSTP\n`);
    assert.match(stopped.stderr, /the change stays in place; "faultline rollback" undoes it/);
    assert.equal(stateOf(target.pid!), 'T');
    const preview = await faultline(['rollback', '--dry-run'], { env });
    assert.match(
      preview.stdout,
      new RegExp(
        `would undo: stopped process ${pid} \\(sleep 600\\) with SIGTSTP\n    by: SIGCONT pid ${pid} `,
      ),
    );
    const rolled = await faultline(['rollback'], { env });
    assert.match(rolled.stdout, new RegExp(`undone: stopped process ${pid} \\(sleep 600\\) with SIGTSTP`));
    assert.notEqual(stateOf(target.pid!), 'T');
    assert.deepEqual(readdirSync(directory), []);

    const byNumber = await faultline(['process', 'kill', '--pid', pid, '--signal', '19'], { env });
    assert.equal(byNumber.stdout, `signal ${pid} (sleep 600) with SIGSTOP\n`);
    assert.equal(stateOf(target.pid!), 'T');
    assert.equal(readdirSync(directory).length, 1);
    const halted = await faultline(['halt', '--ledger-dir', directory], {
      env: { ...env, FAULTLINE_URL: 'http://127.0.0.1:9' },
    });
    assert.match(halted.stdout, new RegExp(`paused process ${pid} \\(sleep 600\\)`));
    assert.notEqual(stateOf(target.pid!), 'T');
    assert.deepEqual(readdirSync(directory), []);
  });

  test('a process that does not stop on SIGTSTP is said so, and nothing is recorded to resume', async () => {
    const directory = fresh('kill-ignored');
    const env = { FAULTLINE_LEDGER_DIR: directory };
    const target = sleeper('SIGTSTP');
    await waitFor(() => /^sleep/.test(commandOf(target.pid!)), 'the sleeper to start');
    const pid = String(target.pid);
    const sent = await faultline(['process', 'kill', '--pid', pid, '--signal', 'TSTP'], { env });
    assert.equal(sent.code, 0, sent.stderr);
    assert.equal(sent.stdout, `signal ${pid} (sleep 600) with SIGTSTP\n`);
    assert.match(
      sent.stderr,
      new RegExp(
        `process ${pid} \\(sleep 600\\) did not stop on SIGTSTP: it catches or ignores it, or its process group is orphaned, where the kernel discards SIGTSTP; nothing is recorded to resume\\. SIGSTOP stops any process\\.`,
      ),
    );
    assert.doesNotMatch(sent.stderr, /faultline rollback" undoes it/);
    assert.notEqual(stateOf(target.pid!), 'T');
    const preview = await faultline(['rollback', '--dry-run'], { env });
    assert.doesNotMatch(preview.stdout, /would undo/);
    assert.deepEqual(readdirSync(directory), []);
  });

  test('a stop signal to a process already stopped records nothing more to resume', async () => {
    const directory = fresh('kill-twice');
    const env = { FAULTLINE_LEDGER_DIR: directory };
    const target = sleeper();
    await waitFor(() => /^sleep/.test(commandOf(target.pid!)), 'the sleeper to start');
    const pid = String(target.pid);
    assert.equal((await faultline(['process', 'kill', '--pid', pid, '--signal', 'TSTP'], { env })).code, 0);
    const again = await faultline(['process', 'kill', '--pid', pid, '--signal', 'STOP'], { env });
    assert.equal(again.code, 0, again.stderr);
    assert.match(
      again.stderr,
      new RegExp(
        `process ${pid} \\(sleep 600\\) was already stopped: SIGSTOP changed nothing, so nothing is recorded to resume`,
      ),
    );
    const rolled = await faultline(['rollback'], { env });
    assert.equal(rolled.stdout.match(/undone: /g)?.length, 1, rolled.stdout);
    assert.notEqual(stateOf(target.pid!), 'T');
    assert.deepEqual(readdirSync(directory), []);
  });

  test('SIGCONT sent with kill clears the pause it ends, so nothing is left to roll back', async () => {
    const directory = fresh('kill-cont');
    const env = { FAULTLINE_LEDGER_DIR: directory };
    const target = sleeper();
    await waitFor(() => /^sleep/.test(commandOf(target.pid!)), 'the sleeper to start');
    const pid = String(target.pid);
    assert.equal(
      (await faultline(['process', 'kill', '--pid', pid, '--signal', 'SIGSTOP'], { env })).code,
      0,
    );
    assert.equal(readdirSync(directory).length, 1);
    const resumed = await faultline(['process', 'kill', '--pid', pid, '--signal', 'cont'], { env });
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.equal(resumed.stderr, '');
    assert.notEqual(stateOf(target.pid!), 'T');
    assert.deepEqual(readdirSync(directory), []);
  });

  test('a pause something else ended is already gone for rollback, not undone', async () => {
    const directory = fresh('resumed-by-hand');
    const env = { FAULTLINE_LEDGER_DIR: directory };
    const target = sleeper();
    await waitFor(() => /^sleep/.test(commandOf(target.pid!)), 'the sleeper to start');
    const pid = String(target.pid);
    assert.equal((await faultline(['process', 'pause', '--pid', pid], { env })).code, 0);
    process.kill(target.pid!, 'SIGCONT');
    await waitFor(() => stateOf(target.pid!) !== 'T', 'the sleeper to run again');
    const gone = `already gone: paused process ${pid} \\(sleep 600\\) \\(pid ${pid} runs again \\(state S\\): something resumed it\\)`;
    const preview = await faultline(['rollback', '--dry-run'], { env });
    assert.match(preview.stdout, new RegExp(`${gone}; nothing to undo`));
    const rolled = await faultline(['rollback'], { env });
    assert.equal(rolled.code, 0, rolled.stderr);
    assert.match(rolled.stdout, new RegExp(gone));
    assert.doesNotMatch(rolled.stdout, /undone: /);
    assert.deepEqual(readdirSync(directory), []);
  });
});

describe('stress paths', () => {
  test('a relative disk stress path is taken from the current directory, as for io stress', async () => {
    const directory = fresh('relative-fill');
    mkdirSync(join(directory, 'fill'));
    const env = { FAULTLINE_LEDGER_DIR: fresh('relative-ledger') };
    const filled = await faultline(['stress', 'disk', '--path', 'fill', '--bytes', '64k', '-t', '1'], {
      cwd: directory,
      env,
    });
    assert.equal(filled.code, 0, filled.stderr);
    assert.match(
      filled.stderr,
      new RegExp(`: ${directory}/fill/faultline-fill-\\d+-[0-9a-f]{8} holds 64\\.0 KiB`),
    );
    assert.match(
      filled.stderr,
      new RegExp(`stress exited with 0: removed ${directory}/fill/faultline-fill-`),
    );
    assert.deepEqual(readdirSync(join(directory, 'fill')), []);
    const here = await faultline(['stress', 'disk', '--path', '.', '--bytes', '64k', '-t', '1'], {
      cwd: directory,
      env,
    });
    assert.equal(here.code, 0, here.stderr);
    assert.match(here.stderr, new RegExp(`: ${directory}/faultline-fill-\\d+-[0-9a-f]{8} holds 64\\.0 KiB`));
    assert.deepEqual(readdirSync(directory), ['fill']);
  });
});
