import { appendFileSync } from 'node:fs';
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

export function createConsoleLog(stream: NodeJS.WriteStream = process.stderr, verbose = false): RunLog {
  const live = stream.isTTY === true;
  let status: string | undefined;
  const write = (level: string, message: string) => {
    if (status) stream.write('\r\u001b[2K');
    stream.write(`[${localTime()} ${level}] ${message}\n`);
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

/** The same log, each line also appended to `path` (chaos's --log-file), without the live progress line. */
export function withLogFile(log: RunLog, path: string): RunLog {
  // Opened once, refusing a link planted at the path; synchronous appends, so the lines written
  // before the CLI's process.exit() are all in the file.
  const fd = openAppendOnly(path, '--log-file');
  const append = (level: string, message: string) =>
    appendFileSync(fd, `[${localTime()} ${level}] ${message}\n`);
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

function localTime(): string {
  const now = new Date();
  const pad = (value: number) => String(value).padStart(2, '0');
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())} ${pad(now.getHours())}:${pad(now.getMinutes())}:${pad(now.getSeconds())}`;
}
