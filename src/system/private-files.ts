import { randomBytes } from 'node:crypto';
import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  openSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  type Stats,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { makeDirectories } from './make-directories.js';

/**
 * Files faultline writes or trusts, made safe against other users: created exclusively without
 * following symlinks, read only when owned by this user (or root) and writable by no one else.
 */

/** A file or directory another user could have written; the message says which and what to do. */
export class UnsafeFile extends Error {
  override readonly name = 'UnsafeFile';
}

export const currentUid = (): number => process.geteuid?.() ?? process.getuid?.() ?? 0;

const WRITABLE_BY_OTHERS = 0o022;
const LEDGER_REMEDY =
  'set XDG_STATE_HOME or FAULTLINE_LEDGER_DIR to a directory of your own (under sudo, use sudo -H)';
const STICKY = 0o1000;

/** A file's permission bits as chmod writes them, e.g. 0644. */
export function modeText(stats: Stats): string {
  return (stats.mode & 0o7777).toString(8).padStart(4, '0');
}

/**
 * Why `stats` may not be trusted as this user's own, or undefined when it may. Root's files are
 * trusted too when `rootToo` (a pidfile under /run, say).
 */
export function ownershipProblem(stats: Stats, options: { rootToo?: boolean } = {}): string | undefined {
  const uid = currentUid();
  if (stats.uid !== uid && !(options.rootToo && stats.uid === 0))
    return `it is owned by uid ${stats.uid}, not by you (uid ${uid})`;
  if (stats.mode & WRITABLE_BY_OTHERS) return `it is writable by group or others (mode ${modeText(stats)})`;
  return undefined;
}

/**
 * Creates a new file for writing: fails if anything (a file, a symlink) already has the name, so
 * nothing another user planted is ever written through.
 */
export function createExclusive(path: string, fileMode = 0o600): number {
  return openSync(
    path,
    constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW | constants.O_APPEND,
    fileMode,
  );
}

/**
 * A new name beside `path`, in the same directory, that nothing has yet: a dot, the name, this
 * process's PID (so a sweep can tell a writer that is gone) and random hex.
 */
export function besidePath(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}`);
}

/**
 * Puts `text` at `path` as a new file with `fileMode`, made exclusively beside it and renamed over
 * it: whatever was at `path` (a file, a link another user planted) is replaced, never written
 * through, and a reader never sees half of it.
 */
export function replaceFile(path: string, text: string, fileMode: number): void {
  const temporary = besidePath(path);
  const fd = createExclusive(temporary, fileMode);
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}

/**
 * Opens an existing regular file that must be this user's own (or root's, with `rootToo`) and not
 * writable by others; a symlink is refused. Returns the descriptor and what fstat saw.
 */
export function openTrusted(
  path: string,
  what: string,
  options: { write?: boolean; rootToo?: boolean } = {},
): { fd: number; stats: Stats } {
  const flags =
    (options.write ? constants.O_WRONLY | constants.O_APPEND : constants.O_RDONLY) | constants.O_NOFOLLOW;
  let fd: number;
  try {
    fd = openSync(path, flags);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOOP')
      throw new UnsafeFile(`${what} ${path} is a symbolic link; give the file itself`);
    throw error;
  }
  const stats = fstatSync(fd);
  const problem = stats.isFile()
    ? ownershipProblem(stats, options.rootToo ? { rootToo: true } : {})
    : 'it is not a regular file';
  if (problem !== undefined) {
    closeSync(fd);
    throw new UnsafeFile(`refused ${what} ${path}: ${problem}; remove it if you did not write it`);
  }
  return { fd, stats };
}

/** The text of a file openTrusted accepts, read through the descriptor it checked. */
export function readTrusted(path: string, what: string, options: { rootToo?: boolean } = {}): string {
  const { fd } = openTrusted(path, what, options);
  try {
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
}

/**
 * Makes `directory` (mode 0700 for each level it creates) and checks that no other user can
 * replace it: it is this user's own and writable by no one else, and every directory above it
 * belongs to this user or root and is not writable by others unless sticky (like /tmp).
 */
export function ensurePrivateDirectory(directory: string, what: string, remedy = LEDGER_REMEDY): string {
  const absolute = resolve(directory);
  refuseForeignLinks(absolute, what, remedy);
  try {
    makeDirectories(absolute, 0o700);
  } catch (error) {
    throw new Error(`cannot use the ${what} ${absolute}: ${(error as Error).message}; ${remedy}`);
  }
  checkPrivateDirectory(absolute, what, remedy);
  return absolute;
}

/** The checks of ensurePrivateDirectory, on a directory that exists. */
export function checkPrivateDirectory(directory: string, what: string, remedy = LEDGER_REMEDY): void {
  const absolute = resolve(directory);
  refuseForeignLinks(absolute, what, remedy);
  const own = lstatSync(absolute);
  if (own.isSymbolicLink()) checkPrivateDirectory(realpathSync(absolute), what, remedy);
  else {
    const problem = own.isDirectory() ? ownershipProblem(own) : 'it is not a directory';
    if (problem !== undefined)
      throw new UnsafeFile(
        `refused the ${what} ${absolute}: ${problem}; use a directory only you can write (mode 0700)`,
      );
  }
  for (const above of [...ancestors(absolute), ...ancestors(realpathSync(absolute))]) {
    const stats = statSync(above);
    const uid = currentUid();
    const replaceable =
      (stats.uid !== uid && stats.uid !== 0) ||
      ((stats.mode & WRITABLE_BY_OTHERS) !== 0 && (stats.mode & STICKY) === 0);
    if (replaceable)
      throw new UnsafeFile(
        `refused the ${what} ${absolute}: ${above} above it is owned by uid ${stats.uid} with mode ${modeText(stats)}, so another user could replace it; ${remedy}`,
      );
  }
}

/**
 * A symbolic link on the way to a directory is followed only when this user or root owns it: its
 * owner can point it elsewhere at any time, between the checks below and the writes included.
 */
function refuseForeignLinks(absolute: string, what: string, remedy: string): void {
  for (const step of [absolute, ...ancestors(absolute)]) {
    let stats: Stats;
    try {
      stats = lstatSync(step);
    } catch {
      continue;
    }
    if (stats.isSymbolicLink() && stats.uid !== currentUid() && stats.uid !== 0)
      throw new UnsafeFile(
        `refused the ${what} ${absolute}: ${step} is a symbolic link owned by uid ${stats.uid}, who could point it elsewhere at any time; ${remedy}`,
      );
  }
}

function ancestors(path: string): string[] {
  const result: string[] = [];
  let current = dirname(path);
  while (true) {
    result.push(current);
    const parent = dirname(current);
    if (parent === current) return result;
    current = parent;
  }
}

export interface FileIdentity {
  path: string;
  device: string;
  inode: string;
}

/** The device and inode of a file just created, so a later removal deletes that file and no other. */
export function identifyFile(path: string): FileIdentity {
  const stats = lstatSync(path, { bigint: true });
  return { path, device: String(stats.dev), inode: String(stats.ino) };
}

/** Whether `file.path` is still the regular file identified, is gone, or names another file now. */
export function findIdentified(file: FileIdentity): 'present' | 'gone' | 'replaced' {
  let stats;
  try {
    stats = lstatSync(file.path, { bigint: true });
  } catch {
    return 'gone';
  }
  const same = stats.isFile() && String(stats.dev) === file.device && String(stats.ino) === file.inode;
  return same ? 'present' : 'replaced';
}

/**
 * Removes `file.path` only while it is still the regular file identified (same device and inode),
 * so a file or symlink put in its place is left alone.
 */
export function removeIdentified(file: FileIdentity): 'removed' | 'gone' | 'replaced' {
  const found = findIdentified(file);
  if (found !== 'present') return found;
  try {
    unlinkSync(file.path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
    throw error;
  }
  return 'removed';
}
