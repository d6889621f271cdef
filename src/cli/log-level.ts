import type { Command } from 'commander';
import { UsageError } from './context.js';

/** The names --log-level takes: pino's levels, and zerolog's panic, which Toxiproxy takes. */
export const logLevelNames = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'panic', 'silent'] as const;

/**
 * What Toxiproxy's LOG_LEVEL takes besides the names, as zerolog's ParseLevel reads it: any
 * letter case, the level numbers, and "disabled".
 */
const zerologSpellings: Record<string, string> = {
  '-1': 'trace',
  '0': 'debug',
  '1': 'info',
  '2': 'warn',
  '3': 'error',
  '4': 'fatal',
  '5': 'panic',
  disabled: 'silent',
};

const DEFAULT_LEVEL = 'info';

/** The name a spelling stands for, or undefined. */
function levelName(value: string): string | undefined {
  const lower = value.trim().toLowerCase();
  if ((logLevelNames as readonly string[]).includes(lower)) return lower;
  return zerologSpellings[lower];
}

/**
 * The pino level of the server's logs. A bad --log-level is a usage error; a bad LOG_LEVEL, a
 * variable other programs read too, is said on stderr and the default kept, as toxiproxy-server
 * keeps its own rather than refusing to start.
 */
export function readLogLevel(value: string, command: Command, warn: (line: string) => void): string {
  const name = levelName(value);
  if (name === undefined) {
    const accepted = logLevelNames.join(', ');
    if (command.getOptionValueSource('logLevel') !== 'env') {
      throw new UsageError(`--log-level ${JSON.stringify(value)} is not a log level; use one of ${accepted}`);
    }
    warn(
      `LOG_LEVEL=${JSON.stringify(value)} is not a log level (${accepted}); logging at ${DEFAULT_LEVEL}, as toxiproxy-server goes on with its default`,
    );
    return DEFAULT_LEVEL;
  }
  return name === 'panic' ? 'fatal' : name;
}
