import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { chownSync, readdirSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import {
  attachFailure,
  type ProcView,
  ptraceDenialCauses,
  traceMeFailure,
} from '../src/system/ptrace-denial.js';
import { tempDirectory } from './helpers.js';

/** When the kernel refuses strace's attach (EPERM), the error names the cause /proc shows, and what to do. */

const cli = new URL('../src/cli/main.js', import.meta.url).pathname;
const NOBODY = 65534;
const canDropPrivileges =
  process.getuid?.() === 0 && spawnSync('setpriv', ['--version'], { stdio: 'ignore' }).status === 0;
const skip = canDropPrivileges
  ? false
  : 'needs root and setpriv(1) (util-linux) to run the CLI as another user or without CAP_SYS_PTRACE';

const target = spawn('sleep', ['300'], { stdio: 'ignore' });
after(() => {
  if (target.exitCode === null) process.kill(target.pid!, 'SIGKILL');
});

/** `faultline syscall attach` on the target, run by setpriv with `privileges`; its ledger directory is made for `owner`. */
async function attachAs(privileges: string[], owner: number) {
  const ledgers = tempDirectory('attach-refused');
  chownSync(ledgers, owner, owner);
  const child = spawn(
    'setpriv',
    [
      ...privileges,
      ...['env', `FAULTLINE_LEDGER_DIR=${ledgers}`, process.execPath, cli],
      ...['syscall', 'attach', '--pid', String(target.pid), '--syscall', 'write', '--error', 'EIO'],
      ...['--for', '60'],
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  after(() => {
    if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, 'SIGKILL');
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const [code] = (await once(child, 'close')) as [number | null];
  return { code, stderr, ledgers };
}

describe('strace refused by the kernel', { skip }, () => {
  test("another user's process: names both users and what to do; exit 1, no ledger left", async () => {
    const result = await attachAs(['--reuid', `${NOBODY}`, '--regid', `${NOBODY}`, '--clear-groups'], NOBODY);
    assert.equal(result.code, 1, result.stderr);
    assert.match(
      result.stderr,
      new RegExp(
        `^faultline: strace could not attach to process ${target.pid}, so no fault was injected: the kernel refused it ` +
          `\\(strace: attach: ptrace\\(PTRACE_SEIZE, ${target.pid}\\): Operation not permitted\\): ` +
          `process ${target.pid} runs as uid 0 \\(root\\) and faultline as uid ${NOBODY} \\(nobody\\), without CAP_SYS_PTRACE: ` +
          "only a process's own user may trace it; run faultline as that user, or as root\\n$",
      ),
    );
    assert.deepEqual(readdirSync(result.ledgers), [], 'no ledger claims a fault');
  });

  test('root without CAP_SYS_PTRACE, as in a container: says to add the capability', async () => {
    const result = await attachAs(['--inh-caps=-sys_ptrace', '--bounding-set=-sys_ptrace'], 0);
    assert.equal(result.code, 1, result.stderr);
    assert.match(
      result.stderr,
      new RegExp(
        `process ${target.pid} holds capabilities faultline lacks \\(CapPrm [0-9a-f]+ in its /proc/${target.pid}/status, faultline's [0-9a-f]+\\)`,
      ),
    );
    assert.match(
      result.stderr,
      /faultline runs as root but without CAP_SYS_PTRACE, as in a container that drops it: add it \(docker run --cap-add=SYS_PTRACE;/,
    );
    assert.doesNotMatch(result.stderr, /run faultline as root/);
    assert.deepEqual(readdirSync(result.ledgers), []);
  });
});

/** A machine's /proc as a test describes it: faultline as uid `uid`, the target (pid 42) as `target`. */
function machine(files: Record<string, string>): ProcView {
  return { read: (path) => files[path], owner: () => undefined };
}
const status = (uid: number, caps: string, tracer = 0, seccomp = 0) =>
  `Name:\tx\nUid:\t${uid}\t${uid}\t${uid}\t${uid}\nTracerPid:\t${tracer}\nCapPrm:\t${caps}\nCapEff:\t${caps}\nSeccomp:\t${seccomp}\n`;
const USER = status(1000, '0000000000000000');
const ALL_CAPS = '000001ffffffffff';

describe('the causes read from /proc', () => {
  test('kernel.yama.ptrace_scope 1, 2 and 3, each with what to do', () => {
    const scope = (value: string, self = USER) =>
      ptraceDenialCauses(
        42,
        machine({
          '/proc/self/status': self,
          '/proc/42/status': USER,
          '/proc/sys/kernel/yama/ptrace_scope': `${value}\n`,
        }),
      );
    assert.deepEqual(scope('0'), []);
    assert.match(
      scope('1').join(),
      /^kernel\.yama\.ptrace_scope is 1 \(\/proc\/sys\/kernel\/yama\/ptrace_scope\): a process may be traced only by its ancestors, .*run faultline as root \(sudo\).*"sysctl kernel\.yama\.ptrace_scope=0"$/,
    );
    assert.match(
      scope('2').join(),
      /^kernel\.yama\.ptrace_scope is 2 .*only a process with CAP_SYS_PTRACE may trace/,
    );
    assert.match(scope('3').join(), /^kernel\.yama\.ptrace_scope is 3 .*until the machine reboots/);
    // CAP_SYS_PTRACE passes scopes 1 and 2, never 3.
    assert.deepEqual(scope('1', status(0, ALL_CAPS)), []);
    assert.deepEqual(scope('2', status(0, ALL_CAPS)), []);
    assert.equal(scope('3', status(0, ALL_CAPS)).length, 1);
  });

  test('a tracer already there, from TracerPid, with its command', () => {
    const causes = ptraceDenialCauses(
      42,
      machine({
        '/proc/self/status': USER,
        '/proc/42/status': status(1000, '0', 77),
        '/proc/77/cmdline': 'gdb\0-p\x0042\0',
      }),
    );
    assert.deepEqual(causes, [
      `process 42 is traced already, by process 77 (gdb -p 42), and a process takes one tracer; stop that one first (if it is faultline's, "faultline rollback" or "faultline halt" does)`,
    ]);
  });

  test('a seccomp filter is named only when nothing else explains the refusal', () => {
    const view = machine({ '/proc/self/status': status(1000, '0', 0, 2), '/proc/42/status': USER });
    assert.match(ptraceDenialCauses(42, view).join(), /^faultline runs under a seccomp filter \(Seccomp: 2/);
  });

  test('a process that exited, and a refusal /proc cannot explain', () => {
    assert.equal(
      attachFailure(42, 'attach: ptrace(PTRACE_SEIZE, 42): No such process', machine({})),
      'strace could not attach to process 42, so no fault was injected: the process exited, or is not visible from here (strace: attach: ptrace(PTRACE_SEIZE, 42): No such process)',
    );
    const view = machine({ '/proc/self/status': USER, '/proc/42/status': USER });
    assert.match(
      attachFailure(42, 'attach: ptrace(PTRACE_SEIZE, 42): Operation not permitted', view),
      /the kernel refused it \(strace: .*\), for no cause faultline can see in \/proc .*an LSM such as AppArmor or SELinux may forbid ptrace here$/,
    );
  });
});

describe('syscall inject where strace cannot trace what it starts', () => {
  test('under a tracer that follows children (strace -f): named, the command never runs, exit 1, no ledger', async () => {
    const ledgers = tempDirectory('inject-refused');
    const marker = `${ledgers}/ran`;
    const child = spawn(
      'strace',
      [
        ...['-f', '-qq', '-o', '/dev/null', 'env', `FAULTLINE_LEDGER_DIR=${ledgers}`, process.execPath, cli],
        ...['syscall', 'inject', '--syscall', 'write', '--error', 'EIO', '--', 'touch', marker],
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    after(() => {
      if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, 'SIGKILL');
    });
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    const [code] = (await once(child, 'close')) as [number | null];
    assert.equal(code, 1, stderr);
    assert.match(
      stderr,
      /^faultline: strace cannot trace the commands it starts here, so the command was not run and no fault was injected: the kernel refused it \(strace: .*PTRACE_TRACEME.*Operation not permitted\): faultline itself is traced, by process \d+ \(strace -f .*\), which takes the processes faultline starts, and a process takes one tracer; run faultline outside that tracer\n$/,
    );
    // It said "the command exited with 1" of a command that never ran.
    assert.doesNotMatch(stderr, /the command exited/);
    assert.deepEqual(readdirSync(ledgers), []);
  });

  test('the causes of a refused PTRACE_TRACEME read from /proc', () => {
    const refusal = 'ptrace(PTRACE_TRACEME, ...): Operation not permitted';
    assert.match(
      traceMeFailure(
        refusal,
        machine({ '/proc/self/status': USER, '/proc/sys/kernel/yama/ptrace_scope': '3' }),
      ),
      /: kernel\.yama\.ptrace_scope is 3 .*until the machine reboots/,
    );
    assert.match(
      traceMeFailure(refusal, machine({ '/proc/self/status': status(1000, '0', 0, 2) })),
      /: faultline runs under a seccomp filter/,
    );
    assert.match(
      traceMeFailure(refusal, machine({})),
      /an LSM such as AppArmor or SELinux may forbid ptrace here$/,
    );
  });
});
