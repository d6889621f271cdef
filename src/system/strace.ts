import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { parseWhen } from '../model/when.js';
import { requireBinary } from './capability.js';
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
  signal?: AbortSignal;
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

/** strace's `-e inject=` expression, after checking every part. */
export function injectExpression(fault: SyscallFault): string {
  if (!/^[a-z_0-9]+$/.test(fault.syscall))
    throw new Error(`"${fault.syscall}" is not a syscall name (for example write, openat, connect)`);
  if (fault.error === undefined && fault.delayEnterMs === undefined)
    throw new Error('say what to inject: an error (such as EIO), a delay, or both');
  if (
    fault.error !== undefined &&
    os.constants.errno[fault.error as keyof typeof os.constants.errno] === undefined
  )
    throw new Error(`unknown errno "${fault.error}"; for example EIO, ENOSPC, EACCES, ECONNREFUSED`);
  if (fault.delayEnterMs !== undefined && !(fault.delayEnterMs > 0 && fault.delayEnterMs <= 60_000))
    throw new Error(`delay must be from 1 to 60000 ms, not ${fault.delayEnterMs}`);
  if (fault.when !== undefined) parseWhen(fault.when);
  return [
    fault.syscall,
    ...(fault.error ? [`error=${fault.error}`] : []),
    ...(fault.delayEnterMs ? [`delay_enter=${Math.round(fault.delayEnterMs * 1000)}`] : []),
    ...(fault.when ? [`when=${fault.when}`] : []),
  ].join(':');
}

/** The calls strace marked `(INJECTED)` in its -o log (`-f` prefixes each line with the pid). */
export function parseInjected(log: string): InjectedCall[] {
  return log
    .split('\n')
    .filter((line) => line.includes('(INJECTED)') || line.includes('(DELAYED)'))
    .map((line) => {
      const match = /^(\d+)\s+(.*)$/.exec(line);
      return match ? { pid: Number(match[1]), call: match[2]!.trim() } : { pid: 0, call: line.trim() };
    });
}

function readLog(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/**
 * Runs COMMAND under `strace -e inject=...` and reports each injected call and how the command
 * exited. The command's own output passes through.
 */
export async function injectSyscall(options: SyscallInjection): Promise<SyscallReport> {
  requireStrace();
  const inject = injectExpression(options);
  const directory = mkdtempSync(join(os.tmpdir(), 'faultline-strace-'));
  const log = join(directory, 'trace');
  const args = ['-f', '-qq', '-e', `trace=${options.syscall}`, '-e', `inject=${inject}`, '-o', log, '--'];
  try {
    const child = spawn('strace', [...args, ...options.command], {
      stdio: 'inherit',
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const [exitCode, signal] = await new Promise<[number | null, string | null]>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (code, name) => resolve([code, name]));
    });
    return { command: options.command, exitCode, signal, injected: parseInjected(readLog(log)) };
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

export interface AttachedFault {
  target: number;
  tracer: ProcessIdentity;
  /** Settles when strace has exited, detached or killed. */
  ended: Promise<void>;
  /** Detaches strace (the target runs on unharmed) and reports what was injected. */
  detach(): Promise<InjectedCall[]>;
}

/**
 * Attaches strace to a running process (`strace -p PID -f`) and injects the fault into it, as the
 * book's chapter 6 does; resolves once strace has attached, so the fault is live.
 */
export async function attachSyscallFault(pid: number, fault: SyscallFault): Promise<AttachedFault> {
  requireStrace();
  const inject = injectExpression(fault);
  const directory = mkdtempSync(join(os.tmpdir(), 'faultline-strace-'));
  const log = join(directory, 'trace');
  const child = spawn(
    'strace',
    ['-f', '-p', String(pid), '-e', `trace=${fault.syscall}`, '-e', `inject=${inject}`, '-o', log],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  let stderr = '';
  const attached = await new Promise<boolean>((resolve) => {
    child.stderr.setEncoding('utf8').on('data', (text: string) => {
      stderr += text;
      if (/Process \d+ attached/.test(stderr)) resolve(true);
    });
    child.once('error', () => resolve(false));
    void exited.then(() => resolve(false));
  });
  const tracer = child.pid === undefined ? undefined : identify(child.pid);
  if (!attached || !tracer) {
    rmSync(directory, { recursive: true, force: true });
    throw new Error(`strace could not attach to process ${pid}: ${stderr.trim() || 'it exited at once'}`);
  }
  return {
    target: pid,
    tracer,
    ended: exited,
    async detach() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
      const injected = parseInjected(readLog(log));
      rmSync(directory, { recursive: true, force: true });
      return injected;
    },
  };
}
