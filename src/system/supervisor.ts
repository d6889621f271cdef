import { type ChildProcess, spawn, type StdioOptions } from 'node:child_process';
import { once } from 'node:events';
import { lstatSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  type FileIdentity,
  identifyFile,
  ownershipProblem,
  removeIdentified,
  replaceFile,
  UnsafeFile,
} from './private-files.js';
import { BadInput } from './bad-input.js';
import { describeExit } from './processes.js';

/** systemd's Restart=, RestartSec= and StartLimitBurst=/StartLimitIntervalSec=, with its defaults. */
export interface RestartPolicy {
  restart: 'always' | 'on-failure' | 'never';
  restartDelayMs: number;
  /** At most this many starts within the interval; the next one is refused and the unit fails. */
  startLimitBurst: number;
  /** 0 turns the start limit off (systemd's StartLimitIntervalSec=0, the book's fix). */
  startLimitIntervalMs: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicy = {
  restart: 'always',
  restartDelayMs: 100,
  startLimitBurst: 5,
  startLimitIntervalMs: 10_000,
};

export type SupervisorEvent =
  | { type: 'started'; pid: number; start: number }
  | { type: 'exited'; pid: number; code: number | null; signal: NodeJS.Signals | null; description: string }
  | { type: 'restarting'; delayMs: number }
  | {
      type: 'failed';
      reason: 'start-limit-hit' | 'spawn-error' | 'pidfile' | 'exit-code' | 'signal';
      detail: string;
    }
  | { type: 'stopped' };

export type SupervisorState = 'running' | 'restarting' | 'failed' | 'stopped' | 'exited';

export interface SupervisorOptions {
  policy?: Partial<RestartPolicy>;
  onEvent?: (event: SupervisorEvent) => void;
  /** Written with the live instance's pid on every start, removed at the end. */
  pidfile?: string;
  stdio?: StdioOptions;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** How long stop() waits after SIGTERM before SIGKILL. */
  stopTimeoutMs?: number;
}

export interface Supervised {
  readonly state: SupervisorState;
  readonly pid: number | undefined;
  /** Starts so far, the first one included. */
  readonly starts: number;
  /** Settles when the supervisor gives up, is stopped, or the command ends and is not restarted. */
  readonly done: Promise<SupervisorState>;
  stop(): Promise<void>;
}

/**
 * Signals systemd counts as a clean exit (SuccessExitStatus's default): a unit with
 * Restart=on-failure that one of them ended is not restarted, as after exit status 0.
 */
const CLEAN_EXIT_SIGNALS: NodeJS.Signals[] = ['SIGHUP', 'SIGINT', 'SIGTERM', 'SIGPIPE'];

/** Runs a command and restarts it by policy, like a systemd service with Restart=. */
export function supervise(command: string[], options: SupervisorOptions = {}): Supervised {
  const policy = { ...DEFAULT_RESTART_POLICY, ...options.policy };
  const emit = options.onEvent ?? (() => undefined);
  const startTimes: number[] = [];
  let state: SupervisorState = 'running';
  let child: ChildProcess | undefined;
  let restartTimer: NodeJS.Timeout | undefined;
  let finish!: (state: SupervisorState) => void;
  const done = new Promise<SupervisorState>((resolve) => (finish = resolve));

  if (options.pidfile) checkPidfile(options.pidfile);
  let written: FileIdentity | undefined;
  const end = (final: SupervisorState) => {
    state = final;
    if (written) removeIdentified(written);
    finish(final);
  };

  const withinStartLimit = () => {
    if (policy.startLimitIntervalMs === 0) return true;
    const since = Date.now() - policy.startLimitIntervalMs;
    return startTimes.filter((time) => time > since).length < policy.startLimitBurst;
  };

  const start = () => {
    if (!withinStartLimit()) {
      emit({
        type: 'failed',
        reason: 'start-limit-hit',
        detail: `start request repeated too quickly: ${policy.startLimitBurst} starts within ${policy.startLimitIntervalMs / 1000} s`,
      });
      return end('failed');
    }
    startTimes.push(Date.now());
    state = 'running';
    const [file, ...args] = command;
    const instance = spawn(file!, args, {
      stdio: options.stdio ?? 'inherit',
      ...(options.env ? { env: options.env } : {}),
      ...(options.cwd ? { cwd: options.cwd } : {}),
    });
    child = instance;
    instance.once('error', (error) => {
      emit({ type: 'failed', reason: 'spawn-error', detail: `cannot start ${file}: ${error.message}` });
      end('failed');
    });
    if (instance.pid === undefined) return;
    if (options.pidfile) {
      try {
        written = writePidfile(options.pidfile, instance.pid);
      } catch (error) {
        emit({ type: 'failed', reason: 'pidfile', detail: (error as Error).message });
        end('failed');
        instance.kill('SIGTERM');
        return;
      }
    }
    emit({ type: 'started', pid: instance.pid, start: startTimes.length });
    instance.once('exit', (code, signal) => {
      child = undefined;
      emit({ type: 'exited', pid: instance.pid!, code, signal, description: describeExit(code, signal) });
      if (state === 'stopped' || state === 'failed') return;
      const failed = signal === null ? code !== 0 : !CLEAN_EXIT_SIGNALS.includes(signal);
      if (policy.restart === 'never' && failed) {
        // systemd's Result=exit-code or signal: the unit is failed, not merely inactive.
        emit({
          type: 'failed',
          reason: signal === null ? 'exit-code' : 'signal',
          detail: `the service ${describeExit(code, signal)}, and Restart=never does not restart it`,
        });
        return end('failed');
      }
      if (policy.restart === 'never' || (policy.restart === 'on-failure' && !failed)) return end('exited');
      state = 'restarting';
      emit({ type: 'restarting', delayMs: policy.restartDelayMs });
      restartTimer = setTimeout(start, policy.restartDelayMs);
    });
  };

  start();

  return {
    get state() {
      return state;
    },
    get pid() {
      return child?.pid;
    },
    get starts() {
      return startTimes.length;
    },
    done,
    async stop() {
      if (state === 'failed' || state === 'exited' || state === 'stopped') return;
      state = 'stopped';
      clearTimeout(restartTimer);
      const running = child;
      if (running && running.exitCode === null && running.signalCode === null) {
        const exited = once(running, 'exit');
        running.kill('SIGTERM');
        const timer = setTimeout(() => running.kill('SIGKILL'), options.stopTimeoutMs ?? 5000);
        await exited;
        clearTimeout(timer);
      }
      emit({ type: 'stopped' });
      end('stopped');
    },
  };
}

/**
 * A pidfile may replace only a file of the user's own that no one else can write: another user's
 * file would let them aim `process kill --pidfile` at any process.
 */
function checkPidfile(path: string): void {
  let stats;
  try {
    stats = lstatSync(path);
  } catch {
    checkPidfileDirectory(path);
    return;
  }
  const problem = stats.isSymbolicLink()
    ? 'it is a symbolic link'
    : stats.isFile()
      ? ownershipProblem(stats)
      : 'it is not a regular file';
  if (problem !== undefined)
    throw new UnsafeFile(`refused pidfile ${path}: ${problem}; remove it or choose another path`);
}

/** A new pidfile goes in a directory that is there: found out before anything starts, not after. */
function checkPidfileDirectory(path: string): void {
  const directory = dirname(path);
  let isDirectory = false;
  try {
    isDirectory = statSync(directory).isDirectory();
  } catch {
    // Missing: said below.
  }
  if (!isDirectory)
    throw new BadInput(
      `cannot keep the pidfile ${path}: ${directory} is not a directory here; create it or choose another path (nothing was started)`,
    );
}

/**
 * Writes the pid to a new file, created exclusively beside the pidfile, and renames it into place:
 * nothing that already has the name is ever written through, and readers never see half a pid.
 */
function writePidfile(path: string, pid: number): FileIdentity {
  checkPidfile(path);
  replaceFile(path, `${pid}\n`, 0o644);
  return identifyFile(path);
}
