import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { parseWhen } from '../model/when.js';
import { BadInput } from './bad-input.js';
import { requireBinary } from './capability.js';
import { attachFailure, traceMeFailure, whyTracedAlready } from './ptrace-denial.js';
import { createExclusive, type FileIdentity, identifyFile, removeIdentified } from './private-files.js';
import { identify, type ProcessIdentity } from './processes.js';

export interface SyscallFault {
  syscall: string;
  /** The errno the call fails with; give this, or delayEnterMs, or both. */
  error?: string;
  /** Holds each matching call this long before it runs (strace's delay_enter). */
  delayEnterMs?: number;
  /** strace's when: N, N+, N+S, N..M. */
  when?: string;
}

export interface SyscallInjection extends SyscallFault {
  command: string[];
}

export interface InjectedCall {
  pid: number;
  call: string;
}

export interface SyscallReport {
  command: string[];
  exitCode: number | null;
  signal: string | null;
  injected: InjectedCall[];
}

/** Checks the machine can do it: strace installed. */
export function requireStrace(): void {
  requireBinary('strace', 'strace', 'or use faultline/register for fs faults in Node programs');
}

/** strace keeps its `when` counts in 16 bits: the first call and the step up to 65535, the last to 65534. */
const WHEN_LIMITS = { first: 65_535, last: 65_534, step: 65_535 };

/** strace's `-e inject=` expression, after checking every part. */
export function injectExpression(fault: SyscallFault): string {
  checkSyscallName(fault.syscall);
  if (fault.error === undefined && fault.delayEnterMs === undefined)
    throw new BadInput('say what to inject: an error (such as EIO), a delay, or both');
  if (fault.error !== undefined) checkErrno(fault.error);
  if (fault.delayEnterMs !== undefined && !(fault.delayEnterMs > 0 && fault.delayEnterMs <= 60_000))
    throw new BadInput(
      `delay must be more than 0 and at most 60000 ms (0.3 is 300 µs), not ${fault.delayEnterMs}`,
    );
  if (fault.when !== undefined) checkWhen(fault.when);
  return [
    fault.syscall,
    ...(fault.error ? [`error=${fault.error}`] : []),
    ...(fault.delayEnterMs ? [`delay_enter=${Math.round(fault.delayEnterMs * 1000)}`] : []),
    ...(fault.when ? [`when=${fault.when}`] : []),
  ].join(':');
}

export function checkSyscallName(syscall: string): void {
  if (!/^[a-z_0-9]+$/.test(syscall))
    throw new BadInput(`"${syscall}" is not a syscall name (for example write, openat, connect)`);
}

export function checkErrno(error: string): void {
  if (os.constants.errno[error as keyof typeof os.constants.errno] === undefined)
    throw new BadInput(`unknown errno "${error}"; for example EIO, ENOSPC, EACCES, ECONNREFUSED`);
}

export function checkWhen(when: string): void {
  try {
    parseWhen(when);
  } catch (error) {
    throw new BadInput((error as Error).message);
  }
  const [, first, last, step] = /^(\d+)(?:\.\.(\d+))?(?:\+(\d+))?/.exec(when.trim()) ?? [];
  const over = (value: string | undefined, limit: number) => value !== undefined && Number(value) > limit;
  if (over(first, WHEN_LIMITS.first) || over(last, WHEN_LIMITS.last) || over(step, WHEN_LIMITS.step))
    throw new BadInput(
      `when "${when}" counts past what strace can: the first call and the step go up to ${WHEN_LIMITS.first}, the last call of N..M to ${WHEN_LIMITS.last}`,
    );
}

/**
 * Asks strace whether it takes the fault, by tracing `true` with it, so a name strace does not
 * know (`--syscall bogus`) is refused before any command runs or any process is traced. When
 * `startsCommand`, a kernel that will not let strace trace what it starts is named too.
 */
function checkStraceAccepts(fault: SyscallFault, inject: string, startsCommand: boolean): void {
  const checked = spawnSync(
    'strace',
    ['-qq', '-o', '/dev/null', '-e', `trace=${fault.syscall}`, '-e', `inject=${inject}`, '--', 'true'],
    { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'], timeout: 10_000 },
  );
  const refusal = /^strace: (invalid .*)$/m.exec(checked.stderr ?? '')?.[1];
  if (refusal === undefined) {
    // Tracing `true` as a command is refused as the command itself would be; an attach may differ.
    if (startsCommand && checked.status !== 0 && /Operation not permitted/.test(checked.stderr ?? ''))
      throw new Error(traceMeFailure(straceSaid(checked.stderr)));
    return;
  }
  if (/^invalid system call/.test(refusal))
    throw new BadInput(
      `strace knows no system call "${fault.syscall}" on this machine (strace: ${refusal}); name one such as write, openat or connect`,
    );
  throw new BadInput(`strace refuses the fault ${inject} (strace: ${refusal})`);
}

/**
 * The calls strace marked `(INJECTED)` or `(DELAYED)`. With -f each line starts with the pid: `PID `
 * in an -o log, `[pid PID] ` on stderr (where the first tracee's lines have none: `pid` is theirs).
 */
export function parseInjected(log: string, pid = 0): InjectedCall[] {
  return log
    .split('\n')
    .filter((line) => line.includes('(INJECTED)') || line.includes('(DELAYED)'))
    .map((line) => traceLine(line, pid));
}

/** A line of an strace log: the pid it starts with (`PID ` or `[pid PID] `), else `pid`, and the call. */
function traceLine(line: string, pid: number): InjectedCall {
  const match = /^(?:(\d+)|\[pid\s+(\d+)\])\s+(.*)$/.exec(line);
  return match ? { pid: Number(match[1] ?? match[2]), call: match[3]!.trim() } : { pid, call: line.trim() };
}

function readLog(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/**
 * A file for strace's log, new and this user's alone, named so that its ledger entry removes it
 * (and nothing else) if the CLI is killed before it can.
 */
export function createTraceLog(): FileIdentity {
  const path = join(os.tmpdir(), `faultline-strace-${randomBytes(8).toString('hex')}.log`);
  closeSync(createExclusive(path));
  return identifyFile(path);
}

/** A command running under strace with the fault. */
export interface RunningInjection {
  /** strace; stopping it (SIGTERM) passes the signal on to the command and detaches. */
  tracer: ProcessIdentity;
  /** Settles when strace has exited, with what it injected; the log is removed by then. */
  done: Promise<SyscallReport>;
}

/**
 * Starts COMMAND under `strace -e inject=...`, its output passing through; `done` reports each
 * injected call and how the command exited. strace runs with `-I 2`, so a SIGTERM to it reaches
 * the command (strace's default with -o and a command blocks it, which left both running).
 */
export function startInjection(options: SyscallInjection, log: FileIdentity): RunningInjection {
  requireStrace();
  const inject = injectExpression(options);
  checkStraceAccepts(options, inject, true);
  const args = ['-f', '-qq', '-I', '2', '-e', `trace=${options.syscall}`, '-e', `inject=${inject}`];
  const child = spawn('strace', [...args, '-o', log.path, '--', ...options.command], { stdio: 'inherit' });
  const tracer = child.pid === undefined ? undefined : identify(child.pid);
  const exited = new Promise<[number | null, string | null]>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, name) => resolve([code, name]));
  });
  if (!tracer) {
    void exited.catch(() => undefined);
    throw new Error(`strace did not start (${options.command.join(' ')} never ran)`);
  }
  const done = exited.then(([exitCode, signal]) => {
    const injected = parseInjected(readLog(log.path));
    removeIdentified(log);
    return { command: options.command, exitCode, signal, injected };
  });
  return { tracer, done };
}

export interface AttachedFault {
  target: number;
  /** The process that holds strace to its deadline (timeout(1)); stopping it detaches strace. */
  tracer: ProcessIdentity;
  /** Settles when strace has exited, detached or killed. */
  ended: Promise<void>;
  /** Detaches strace (the target runs on unharmed) and reports what was injected. */
  detach(): Promise<InjectedCall[]>;
  /** How many calls of the syscall strace saw while attached, injected or not. */
  readonly callsSeen: number;
}

/**
 * The calls a program makes instead of `syscall`, where it is one that programs often bypass: a
 * Node server writes sockets with writev, and libc opens files with openat.
 */
const USED_INSTEAD: Record<string, string> = {
  write: 'writev or pwrite64 (Node writes sockets with writev)',
  read: 'readv, pread64 or recvfrom',
  open: 'openat',
  stat: 'newfstatat or statx',
  lstat: 'newfstatat or statx',
  send: 'sendto or sendmsg',
  recv: 'recvfrom or recvmsg',
  select: 'pselect6, poll or epoll_wait',
  fork: 'clone or clone3',
};

/** What a report adds when a fault injected nothing: whether the call was made at all, and what to try. */
export function nothingInjectedHint(fault: SyscallFault, callsSeen: number, pid: number): string {
  if (callsSeen > 0)
    return `process ${pid} made ${callsSeen} ${fault.syscall} call(s), none of them chosen by --when ${fault.when ?? ''}`.trimEnd();
  const instead = USED_INSTEAD[fault.syscall];
  return `process ${pid} made no ${fault.syscall} call while strace was attached${instead ? `; it may use ${instead}: try that --syscall` : ''}`;
}

/** Lines of an strace log that are calls of `syscall` (begun, or whole), with or without a pid. */
export function countCalls(log: string, syscall: string): number {
  return log.split('\n').filter((line) => traceLine(line, 0).call.startsWith(`${syscall}(`)).length;
}

/** Seconds between the deadline's SIGTERM to strace and a SIGKILL, should it not detach. */
const DETACH_GRACE_SECONDS = 5;

/**
 * Attaches strace to a running process (`strace -p PID -f`) and injects the fault into it, as the
 * book's chapter 6 does; resolves once strace has attached, so the fault is live. `onStarted` is
 * told the tracer's identity before strace attaches, so a record of it precedes the fault. strace runs
 * under timeout(1) with the deadline, so it detaches by then even if this process is killed; its
 * log comes through its stderr pipe, so nothing is left on disk, and a strace whose reader was
 * killed ends at its next line.
 */
export async function attachSyscallFault(
  pid: number,
  fault: SyscallFault,
  deadlineSeconds: number,
  onStarted: (tracer: ProcessIdentity) => void = () => undefined,
): Promise<AttachedFault> {
  requireStrace();
  const inject = injectExpression(fault);
  checkStraceAccepts(fault, inject, false);
  const traced = whyTracedAlready(pid);
  if (traced !== undefined) throw new Error(traced);
  // strace waits behind a shell's `read` until `onStarted` has recorded the process that becomes
  // it (exec keeps the pid and start time): a CLI killed in between leaves no strace at all.
  const child = spawn(
    'sh',
    [
      ...['-c', 'read -r go && exec "$@"', 'faultline-strace'],
      ...['timeout', '-s', 'TERM', '-k', String(DETACH_GRACE_SECONDS), String(deadlineSeconds)],
      ...['strace', '-f', '-p', String(pid), '-e', `trace=${fault.syscall}`, '-e', `inject=${inject}`],
    ],
    { stdio: ['pipe', 'ignore', 'pipe'] },
  );
  const injected: InjectedCall[] = [];
  let callsSeen = 0;
  let before = '';
  let partial = '';
  let attached: (value: boolean) => void = () => undefined;
  const attaching = new Promise<boolean>((resolve) => (attached = resolve));
  const stderr = child.stderr!.setEncoding('utf8');
  stderr.on('data', (text: string) => {
    const lines = (partial + text).split('\n');
    partial = lines.pop() ?? '';
    injected.push(...parseInjected(lines.join('\n'), pid));
    callsSeen += countCalls(lines.join('\n'), fault.syscall);
    if (before.length < 4096) before += text;
    if (/Process \d+ attached/.test(before)) attached(true);
  });
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  child.once('error', () => attached(false));
  void exited.then(() => attached(false));
  child.stdin!.on('error', () => undefined); // the shell is gone: `exited` says so
  const tracer = child.pid === undefined ? undefined : identify(child.pid);
  if (tracer) {
    onStarted(tracer);
    child.stdin!.end('go\n');
  } else child.stdin!.destroy();
  if (!(await attaching) || !tracer) {
    child.kill('SIGTERM');
    throw new Error(attachFailure(pid, straceSaid(before)));
  }
  return {
    target: pid,
    tracer,
    ended: exited,
    async detach() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
      injected.push(...parseInjected(partial, pid));
      callsSeen += countCalls(partial, fault.syscall);
      partial = '';
      return injected;
    },
    get callsSeen() {
      return callsSeen;
    },
  };
}

/** strace's own lines in what it wrote before attaching, without their "strace: " prefix. */
function straceSaid(text: string): string {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => line.replace(/^strace: /, ''))
    .join('; ');
}
