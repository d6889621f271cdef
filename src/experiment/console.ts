import { randomUUID } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { timestamp } from './journal.js';
import { openAppendOnly } from './private-file.js';

/** The runner's console: chaos run's log lines on stderr, and a live progress line on a terminal. */
export interface RunLog {
  info(message: string): void;
  warning(message: string): void;
  error(message: string): void;
  critical(message: string): void;
  /** chaos run's DEBUG lines: always in a --log-file (chaos's log file is at DEBUG), on the console with --verbose. */
  debug?(message: string): void;
  /** Shows "label (12s)" updating once a second until the returned function is called. */
  progress(label: string): () => void;
  /** What activities print (a Python activity's stdout, stderr and logging), written as it is. */
  output?(text: string): void;
}

/** How chaos prints a console line: `string` ([time LEVEL] message) or `json` (--log-format json). */
export type ConsoleFormat = 'string' | 'json';

export function createConsoleLog(
  stream: NodeJS.WriteStream = process.stderr,
  verbose = false,
  format: ConsoleFormat = 'string',
): RunLog {
  const live = stream.isTTY === true && format === 'string';
  const contextId = randomUUID();
  let status: string | undefined;
  const write = (level: string, message: string) => {
    if (status) stream.write('\r\u001b[2K');
    stream.write(
      format === 'json'
        ? `${jsonRecord(level, message, contextId)}\n`
        : `[${localTime()} ${level}] ${message}\n`,
    );
    if (status) stream.write(status);
  };
  return {
    info: (message) => write('INFO', message),
    warning: (message) => write('WARNING', message),
    error: (message) => write('ERROR', message),
    critical: (message) => write('CRITICAL', message),
    debug: (message) => {
      if (verbose) write('DEBUG', message);
    },
    output(text) {
      if (status) stream.write('\r\u001b[2K');
      stream.write(text);
      if (status) stream.write(status);
    },
    progress(label) {
      if (!live) return () => undefined;
      const started = Date.now();
      const draw = () => {
        status = `  … ${label} (${Math.round((Date.now() - started) / 1000)}s)`;
        stream.write(`\r\u001b[2K${status}`);
      };
      const timer = setInterval(draw, 1000);
      timer.unref();
      return () => {
        clearInterval(timer);
        if (status) stream.write('\r\u001b[2K');
        status = undefined;
      };
    },
  };
}

const LEVELS = ['DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL'];

/**
 * The same log, each line from `lowest` up (chaos's --log-file-level, DEBUG by default) also
 * appended to `path` (chaos's --log-file), without the live progress line.
 */
export function withLogFile(log: RunLog, path: string, lowest = 'DEBUG'): RunLog {
  // Opened once, refusing a link planted at the path; synchronous appends, so the lines written
  // before the CLI's process.exit() are all in the file.
  const fd = openAppendOnly(path, '--log-file');
  const floor = LEVELS.indexOf(lowest.toUpperCase());
  const append = (level: string, message: string) => {
    if (LEVELS.indexOf(level) >= floor) appendFileSync(fd, `[${localTime()} ${level}] ${message}\n`);
  };
  return {
    info: (message) => (log.info(message), append('INFO', message)),
    warning: (message) => (log.warning(message), append('WARNING', message)),
    error: (message) => (log.error(message), append('ERROR', message)),
    critical: (message) => (log.critical(message), append('CRITICAL', message)),
    debug: (message) => (log.debug?.(message), append('DEBUG', message)),
    progress: (label) => log.progress(label),
    output: (text) => (log.output?.(text), appendFileSync(fd, text)),
  };
}

export const silentLog: RunLog = {
  info: () => undefined,
  warning: () => undefined,
  error: () => undefined,
  critical: () => undefined,
  progress: () => () => undefined,
};

/**
 * One console record as chaos prints it with --log-format json (python-json-logger's fields:
 * process, asctime, levelname, module, lineno, message, then context_id and timestamp). There
 * is no Python module behind a line, so `module` is "faultline" and `lineno` 0.
 */
function jsonRecord(level: string, message: string, contextId: string): string {
  const now = new Date();
  return JSON.stringify({
    process: process.pid,
    asctime: `${localTime(now)},${String(now.getMilliseconds()).padStart(3, '0')}`,
    levelname: level,
    module: 'faultline',
    lineno: 0,
    message,
    context_id: contextId,
    timestamp: timestamp(now.getTime()),
  });
}

function localTime(now = new Date()): string {
  const pad = (value: number) => String(value).padStart(2, '0');
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())} ${pad(now.getHours())}:${pad(now.getMinutes())}:${pad(now.getSeconds())}`;
}
