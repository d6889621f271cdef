import { lstatSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { currentUid } from './private-files.js';

/**
 * The CA's files are written under a temporary name beside them (private-files.ts's besidePath)
 * and linked into place (see local-ca.ts). A server killed in between leaves the temporary file, a copy of the CA key among
 * them; the next start removes those it recognises as its own: the name it gives them
 * (`.ca-key.pem.PID.RANDOM`, or `.ca-key.pem.RANDOM` from releases before the PID was in it), a
 * regular file of this user, and a writer that is gone (no process PID) or a file older than any
 * write takes. The CA's own files never match.
 */

/** A file older than this is no write under way: writing one takes milliseconds. */
export const STALE_AFTER_MS = 60_000;

/** Removes the temporary files of `files` (names in `directory`) left by a writer that is gone; returns their names. */
export function removeStaleTemporaries(
  directory: string,
  files: readonly string[],
  now = Date.now(),
): string[] {
  let names: string[];
  try {
    names = readdirSync(directory);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const pid = temporaryOf(name, files);
    if (pid === undefined) continue;
    const path = join(directory, name);
    try {
      const stats = lstatSync(path);
      if (!stats.isFile() || stats.uid !== currentUid()) continue;
      const writerGone = pid !== null && !isRunning(pid);
      if (!writerGone && now - stats.mtimeMs <= STALE_AFTER_MS) continue;
      rmSync(path);
      removed.push(name);
    } catch {
      // Gone meanwhile (another start removed it), or not ours to remove: left as it is.
    }
  }
  return removed;
}

/** The writer's PID of a temporary name of one of `files` (null when the name has none), else undefined. */
function temporaryOf(name: string, files: readonly string[]): number | null | undefined {
  for (const file of files) {
    const prefix = `.${file}.`;
    if (!name.startsWith(prefix)) continue;
    const match = /^(?:(\d{1,10})\.)?[0-9a-f]{12}$/.exec(name.slice(prefix.length));
    if (match) return match[1] === undefined ? null : Number(match[1]);
  }
  return undefined;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
