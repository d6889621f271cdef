import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { parseWhen } from '../inject/fs-faults.js';

export interface SyscallInjection {
  syscall: string;
  error: string;
  /** strace's when: N, N+, N+S, N..M. */
  when?: string;
  command: string[];
  signal?: AbortSignal;
}

export interface SyscallReport {
  command: string[];
  exitCode: number | null;
  signal: string | null;
  injected: Array<{ pid: number; call: string }>;
}

/** Checks the machine can do it: strace installed and allowed to trace. */
export function requireStrace(): void {
  try {
    execFileSync('strace', ['-V'], { stdio: 'ignore' });
  } catch {
    throw new Error(
      'strace is not installed: install the Debian package "strace" (apt-get install strace), or use faultline/register for fs faults in Node programs',
    );
  }
}

/**
 * Runs COMMAND under `strace -e inject=SYSCALL:error=ERRNO:when=WHEN` and reports each injected
 * call and how the command exited. The command's own output passes through.
 */
export async function injectSyscall(options: SyscallInjection): Promise<SyscallReport> {
  requireStrace();
  if (!/^[a-z_0-9]+$/.test(options.syscall))
    throw new Error(`"${options.syscall}" is not a syscall name (for example write, openat, connect)`);
  if (os.constants.errno[options.error as keyof typeof os.constants.errno] === undefined) {
    throw new Error(`unknown errno "${options.error}"; for example EIO, ENOSPC, EACCES, ECONNREFUSED`);
  }
  if (options.when !== undefined) parseWhen(options.when);
  const directory = mkdtempSync(join(os.tmpdir(), 'faultline-strace-'));
  const log = join(directory, 'trace');
  const inject = `${options.syscall}:error=${options.error}${options.when ? `:when=${options.when}` : ''}`;
  const args = [
    '-f',
    '-qq',
    '-e',
    `trace=${options.syscall}`,
    '-e',
    `inject=${inject}`,
    '-o',
    log,
    '--',
    ...options.command,
  ];
  try {
    const child = spawn('strace', args, {
      stdio: 'inherit',
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const [exitCode, signal] = await new Promise<[number | null, string | null]>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (code, name) => resolve([code, name]));
    });
    const injected = readFileSync(log, 'utf8')
      .split('\n')
      .filter((line) => line.includes('(INJECTED)'))
      .map((line) => {
        const [pid, ...rest] = line.split(' ');
        return { pid: Number(pid), call: rest.join(' ').trim() };
      });
    return { command: options.command, exitCode, signal, injected };
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}
