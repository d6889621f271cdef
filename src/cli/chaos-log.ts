import { createConsoleLog, type RunLog, withLogFile } from '../experiment/console.js';
import { globalChaosOptions } from './chaos-globals.js';

/** The console log as chaos's global options ask: --verbose, --log-format, and the log file. */
export function chaosLog(): RunLog {
  const globals = globalChaosOptions();
  const consoleLog = createConsoleLog(process.stderr, globals.verbose, globals.logFormat);
  if (globals.logFile === undefined || globals.noLogFile) return consoleLog;
  return withLogFile(consoleLog, globals.logFile, globals.logFileLevel);
}
