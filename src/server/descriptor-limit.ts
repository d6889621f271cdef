import { readFileSync } from 'node:fs';
import { DEFAULT_MAX_API_CONNECTIONS } from './connection-cap.js';

/**
 * The limit on open files (the soft RLIMIT_NOFILE) this process runs with, read from
 * /proc/self/limits (Node has no getrlimit). Node raises the soft limit to the hard one as it
 * starts, so this is the limit the server lives with. Undefined where it is unlimited or cannot be
 * read (no /proc).
 */
export function openFileLimit(): number | undefined {
  return openFileLimitIn(readLimits());
}

/** The soft open-file limit in the text of a /proc/PID/limits. */
export function openFileLimitIn(limits: string | undefined): number | undefined {
  const soft = /^Max open files\s+(\S+)/m.exec(limits ?? '')?.[1];
  return soft === undefined || !/^\d+$/.test(soft) ? undefined : Number(soft);
}

function readLimits(): string | undefined {
  try {
    return readFileSync('/proc/self/limits', 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * The default --max-api-connections under an open-file limit: DEFAULT_MAX_API_CONNECTIONS (1000), or a quarter of the limit
 * where that is less, so API connections cannot take the descriptors the proxies need (with the
 * common 1024, 1000 API connections would leave the proxies 24). `why` says which, for --help
 * and the start-up log.
 */
export function defaultApiConnections(limit: number | undefined): { max: number; why: string } {
  const quarter = limit === undefined ? Infinity : Math.max(1, Math.floor(limit / 4));
  if (quarter >= DEFAULT_MAX_API_CONNECTIONS)
    return { max: DEFAULT_MAX_API_CONNECTIONS, why: `${DEFAULT_MAX_API_CONNECTIONS}` };
  return {
    max: quarter,
    why: `${quarter}, a quarter of the open-file limit of ${limit} (ulimit -n), leaving the rest to the proxies`,
  };
}
