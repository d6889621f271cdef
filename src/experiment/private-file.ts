import { closeSync, constants, fstatSync, lstatSync, openSync, rmSync, type Stats } from 'node:fs';
import { besidePath, createExclusive, currentUid, replaceFile } from '../system/private-files.js';

/*
 * Journals, reports and log files are often written as root into a shared directory
 * (./journal.json in a CI workspace, /tmp): nothing another user planted at the path (a symbolic
 * link to /etc/shadow, a hard link) is ever written through. Files are made beside the path,
 * exclusively and without following links, then renamed into place.
 */

/**
 * Checks, before anything is injected, that the journal can be written where asked: a run whose
 * journal is lost at the end has left its faults and its record behind for nothing.
 */
export async function checkJournalPath(path: string): Promise<void> {
  refuseLink(path, 'the journal', '--journal-path');
  const probe = besidePath(path);
  try {
    closeSync(createExclusive(probe));
    rmSync(probe, { force: true });
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new Error(
      `cannot write the journal to ${path} (${reason}): nothing was run; choose a writable --journal-path`,
    );
  }
}

/**
 * Writes a file only its owner can read (0600), as a new file renamed over `path`: an existing
 * file is replaced, never written through, and a symbolic link at `path` is refused.
 */
export async function writePrivateFile(path: string, text: string, flag = '-o'): Promise<void> {
  refuseLink(path, 'the file', flag);
  replaceFile(path, text, 0o600);
}

/**
 * Opens a log file to append to, creating it 0600: a symbolic link, a hard link, or another
 * user's file at `path` is refused rather than appended to.
 */
export function openAppendOnly(path: string, flag: string): number {
  let fd: number;
  try {
    fd = openSync(
      path,
      constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW,
      0o600,
    );
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOOP') throw linkRefused(path, 'the log', flag);
    throw error;
  }
  const problem = appendProblem(fstatSync(fd));
  if (problem !== undefined) {
    closeSync(fd);
    throw new Error(`refused to write the log to ${path}: ${problem}; give ${flag} a path of your own`);
  }
  return fd;
}

function appendProblem(stats: Stats): string | undefined {
  if (!stats.isFile()) return 'it is not a regular file';
  const uid = currentUid();
  if (stats.uid !== uid) return `it belongs to uid ${stats.uid}, not to you (uid ${uid})`;
  if (stats.nlink > 1)
    return `it has ${stats.nlink} names (hard links), so appending to it would write another file too`;
  return undefined;
}

function refuseLink(path: string, what: string, flag: string): void {
  let stats: Stats;
  try {
    stats = lstatSync(path);
  } catch {
    return; // Nothing there yet.
  }
  if (stats.isSymbolicLink()) throw linkRefused(path, what, flag);
}

function linkRefused(path: string, what: string, flag: string): Error {
  return new Error(
    `refused to write ${what} to ${path}: it is a symbolic link, which faultline never writes through (another user may have planted it); give ${flag} the file itself, or remove the link`,
  );
}
