import { constants } from 'node:os';

/** What a process activity returns, as chaoslib's process provider does. */
export interface ProcessOutput {
  /** The exit code; minus the signal number when a signal ended the process, as Python reports it. */
  status: number;
  stdout: string;
  stderr: string;
}

export function isProcessOutput(value: unknown): value is ProcessOutput {
  if (typeof value !== 'object' || value === null) return false;
  const output = value as Record<string, unknown>;
  return typeof output.status === 'number' && typeof output.stderr === 'string' && 'stdout' in output;
}

/** Python's returncode: the exit code, or minus the number of the signal that ended the process. */
export function exitStatus(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  return signal ? -constants.signals[signal] : -1;
}

/** The last lines of stderr joined on one line (at most `limit` characters), for a log message. */
export function stderrTail(stderr: string, lines = 3, limit = 300): string {
  const tail = stderr.trim().split('\n').slice(-lines).join(' | ');
  return tail.length > limit ? `...${tail.slice(-limit)}` : tail;
}

/** "exit code 3; stderr ends with: ..." or "killed by SIGKILL (status -9)", saying what happened. */
export function describeExit(output: ProcessOutput): string {
  const signal = Object.entries(constants.signals).find(([, number]) => -number === output.status)?.[0];
  const how =
    output.status < 0 && signal
      ? `killed by ${signal} (status ${output.status})`
      : `exit code ${output.status}`;
  const tail = stderrTail(output.stderr);
  return tail ? `${how}; stderr ends with: ${tail}` : `${how}; stderr was empty`;
}
