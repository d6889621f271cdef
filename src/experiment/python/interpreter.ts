import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Duplex } from 'node:stream';
import { ActivityFailed, InvalidActivity } from '../errors.js';
import type { Change } from '../controls/changes.js';
import { HELPER_SCRIPT } from './helper-script.js';
import { type BigInteger, bigIntegersInJson, under } from '../big-integers.js';
import { parsePythonJson } from './python-json.js';

/** What the helper script answers for one request. */
export interface PythonReply {
  id: number;
  output?: unknown;
  /** The integers beyond 2^53 in `output`, which Python held exactly and JSON.parse rounded. */
  bigIntegers?: BigInteger[];
  /** control-call: what the hook changed in the objects it was handed (context, state, configuration...). */
  changes?: Record<string, Change[]>;
  /** control-hooks: the hooks the module has. */
  functions?: string[];
  valid?: true;
  invalid?: string;
  failed?: string;
  /** str() of the exception behind `failed`. */
  message?: string;
  /** The qualified class of the exception, e.g. chaoslib.exceptions.InterruptExecution. */
  exception?: string;
  traceback?: string[];
  exit?: unknown;
  /** The exit signal (exit_gracefully/exit_ungracefully) that raised SystemExit in the call. */
  signal?: 'SIGUSR1' | 'SIGUSR2';
}

export interface PythonRequest {
  op: 'call' | 'validate' | 'control-hooks' | 'control-validate' | 'control-call';
  module: string;
  /** The function, or the control hook, to call. */
  func: string;
  /** The activity or control named in errors. */
  activity: string;
  type: string;
  arguments: Record<string, unknown>;
  configuration?: Record<string, unknown> | null;
  secrets?: Record<string, unknown> | null;
  /** control-hooks: the hook names to look for in the module. */
  hooks?: string[];
  /** control-validate: the control declaration handed to validate_control. */
  control?: Record<string, unknown>;
  /** control-call: what chaoslib hands a hook besides its arguments (context, state, configuration...). */
  given?: Record<string, unknown>;
  /**
   * Run in a thread of its own (background activities, hypothesis checks during the method);
   * otherwise on the interpreter's main thread, one call at a time, as chaos run calls them.
   */
  background?: boolean;
}

/**
 * One Python interpreter for a run: started at the first request, reused by every later one
 * (concurrent requests run in threads of the same interpreter), replaced by a fresh one after
 * a crash, stopped by close().
 */
export interface PythonRuntime {
  /** The interpreter this runtime starts (python3, or $FAULTLINE_PYTHON). */
  readonly executable: string;
  /** The running interpreter's pid; undefined before the first request and after a crash. */
  readonly pid: number | undefined;
  /** How many interpreters this runtime has started (1 for a run without crashes). */
  readonly started: number;
  request(request: PythonRequest, signal?: AbortSignal): Promise<PythonReply>;
  /**
   * Called, before the call's reply is handed on, when exit_gracefully()/exit_ungracefully()
   * stopped a call (SystemExit in it), or reached the interpreter outside a foreground call (a
   * background call's last act: passed on ahead of its reply). The run treats it as that signal.
   * Returns the unsubscribe.
   */
  onExitSignal(listener: (signal: 'SIGUSR1' | 'SIGUSR2') => void): () => void;
  close(): Promise<void>;
}

export interface PythonRuntimeOptions {
  /**
   * The interpreter's working directory, first on its module path. Default: this process's, as
   * chaos runs its activities in the caller's working directory.
   */
  cwd?: string;
  /** Searched for modules after the working directory and PYTHONPATH (the experiment's directory). */
  moduleDirectory?: string;
  /** Default: $FAULTLINE_PYTHON, else python3. */
  executable?: string;
  /**
   * Receives each line the interpreter prints (print, sys.stderr, logging), as chaos run shows
   * them on its console. Default: written to this process's stderr.
   */
  output?: (line: string) => void;
  /** Milliseconds close() waits for the interpreter to exit before it is killed (default 2000). */
  closeGraceMs?: number;
}

const STDERR_TAIL = 16 * 1024;

interface Pending {
  resolve(reply: PythonReply): void;
  reject(error: Error): void;
}

interface Interpreter {
  child: ChildProcess;
  channel: Duplex;
  pending: Map<number, Pending>;
  environment: string;
  exited: Promise<void>;
}

/** The interpreter cannot be started because the executable is not there. */
export class PythonNotInstalled extends InvalidActivity {
  constructor(readonly executable: string) {
    super(
      `${executable} is not installed, and this experiment has Python activities: install python3 (Debian package python3) with the modules they need, or set FAULTLINE_PYTHON to the interpreter`,
    );
  }
}

export function pythonExecutable(): string {
  return process.env.FAULTLINE_PYTHON ?? 'python3';
}

export function createPythonRuntime(options: PythonRuntimeOptions): PythonRuntime {
  const executable = options.executable ?? pythonExecutable();
  const output = options.output ?? ((line: string) => process.stderr.write(line));
  let current: Interpreter | undefined;
  let started = 0;
  let nextId = 1;
  let closed = false;
  const exitListeners = new Set<(signal: 'SIGUSR1' | 'SIGUSR2') => void>();

  function start(): Interpreter {
    const moduleDirectories = options.moduleDirectory === undefined ? [] : [options.moduleDirectory];
    const child = spawn(executable, ['-u', '-c', HELPER_SCRIPT, ...moduleDirectories], {
      cwd: options.cwd ?? process.cwd(),
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
    });
    started += 1;
    const channel = child.stdio[3] as Duplex;
    const pending = new Map<number, Pending>();
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-STDERR_TAIL);
    });
    // Whole lines, so a secret is never split between two writes of the (masked) log.
    for (const stream of [child.stdout!, child.stderr!]) {
      createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => output(`${line}\n`));
    }
    // A broken channel shows as the interpreter's exit (below), which fails the waiting calls.
    channel.on('error', () => undefined);
    createInterface({ input: channel })
      .on('line', (line) => {
        const reply = parseReply(line);
        if (!reply) return;
        if (reply.signal) for (const listener of exitListeners) listener(reply.signal);
        pending.get(reply.id)?.resolve(reply);
        pending.delete(reply.id);
      })
      .on('error', () => undefined);
    const interpreter: Interpreter = {
      child,
      channel,
      pending,
      environment: '',
      exited: new Promise((resolve) => {
        const failAll = (error: Error) => {
          if (current === interpreter) current = undefined;
          for (const waiting of pending.values()) waiting.reject(error);
          pending.clear();
          resolve();
        };
        child.once('error', (error: NodeJS.ErrnoException) =>
          failAll(error.code === 'ENOENT' ? new PythonNotInstalled(executable) : error),
        );
        child.once('close', (code, signal) => {
          const how = signal ? `was killed by ${signal}` : `exited with status ${code}`;
          const tail = stderr.trim();
          failAll(
            new ActivityFailed(
              `the Python interpreter (pid ${child.pid}) ${how} during the call${tail ? `:\n${tail}` : ''}`,
            ),
          );
        });
      }),
    };
    return interpreter;
  }

  return {
    executable,
    get pid() {
      return current?.child.pid;
    },
    get started() {
      return started;
    },

    request(request, signal) {
      if (closed) return Promise.reject(new Error('the Python runtime of this run is closed'));
      if (signal?.aborted) return Promise.reject(new ActivityFailed(String(signal.reason)));
      const interpreter = (current ??= start());
      const id = nextId++;
      return new Promise<PythonReply>((resolve, reject) => {
        const onAbort = () => {
          interpreter.pending.delete(id);
          // The main thread would stay busy with it: the helper interrupts it (KeyboardInterrupt).
          if (!request.background)
            interpreter.channel.write(`${JSON.stringify({ op: 'cancel', id: 0, target: id })}\n`);
          reject(new ActivityFailed(String(signal!.reason)));
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        interpreter.pending.set(id, {
          resolve: (reply) => {
            signal?.removeEventListener('abort', onAbort);
            resolve(reply);
          },
          reject: (error) => {
            signal?.removeEventListener('abort', onAbort);
            reject(error);
          },
        });
        // Activities see the runner's environment as it is now (<proxy>_PORT, .env values).
        const environment = JSON.stringify(process.env);
        const changed = environment !== interpreter.environment;
        interpreter.environment = environment;
        interpreter.channel.write(
          `${JSON.stringify({ ...request, id, ...(changed ? { environ: process.env } : {}) })}\n`,
        );
      });
    },

    onExitSignal(listener) {
      exitListeners.add(listener);
      return () => exitListeners.delete(listener);
    },

    async close() {
      closed = true;
      const interpreter = current;
      if (!interpreter) return;
      interpreter.channel.end();
      const grace = setTimeout(() => interpreter.child.kill('SIGKILL'), options.closeGraceMs ?? 2000);
      await interpreter.exited;
      clearTimeout(grace);
    },
  };
}

/** Only the helper writes to the channel; a line that is not its JSON (a function writing to fd 3) is skipped. */
function parseReply(line: string): PythonReply | undefined {
  try {
    const reply = parsePythonJson(line) as PythonReply;
    if (typeof reply !== 'object' || reply === null || typeof reply.id !== 'number') return undefined;
    const rounded = 'output' in reply ? under('output', bigIntegersInJson(line)) : [];
    return rounded.length > 0 ? { ...reply, bigIntegers: rounded } : reply;
  } catch {
    return undefined;
  }
}
