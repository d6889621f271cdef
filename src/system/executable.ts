import { accessSync, closeSync, constants, openSync, readSync, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** shutil.which: a name is looked up in PATH; a path with a slash must be an executable file. */
export function which(path: string, searchPath = process.env.PATH ?? ''): string | undefined {
  if (path.includes('/')) return whyNotExecutable(path) === undefined ? path : undefined;
  return searchPath
    .split(delimiter)
    .map((directory) => join(directory || '.', path))
    .find((candidate) => whyNotExecutable(candidate) === undefined);
}

/**
 * Why `program` cannot be run, said so a user can fix it, or undefined when it can: a path (with a
 * slash) must be an executable file, a bare name must be one in PATH.
 */
export function whyNotRunnable(program: string, searchPath = process.env.PATH ?? ''): string | undefined {
  if (program === '') return 'the program is empty; give the path of an executable file or a name in PATH';
  if (!program.includes('/')) {
    if (which(program, searchPath) !== undefined) return undefined;
    return `no executable named ${program} in PATH (${searchPath || 'empty'}); give its path (./${program} for one in this directory), or install it`;
  }
  const reason = whyNotExecutable(program);
  return reason === undefined ? undefined : `${program} ${reason}`;
}

function whyNotExecutable(path: string): string | undefined {
  let isFile: boolean;
  try {
    isFile = statSync(path).isFile();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'ENOTDIR'
      ? 'does not exist; check the path'
      : `cannot be read (${code}); check its directory's permissions`;
  }
  if (!isFile) return 'is not a file (a directory?); give the program inside it';
  try {
    accessSync(path, constants.X_OK);
    return undefined;
  } catch {
    return `is not executable; make it so (chmod +x ${path}) or run it through its interpreter (sh ${path})`;
  }
}

/**
 * Whether the kernel can run `path` itself: an ELF image or a `#!` script. A shell's exec, and
 * glibc's execvp, run any other file as a shell script; Python's subprocess, which chaos run
 * uses, fails with ENOEXEC instead.
 */
export function isExecutableImage(path: string): boolean {
  const head = Buffer.alloc(4);
  const descriptor = openSync(path, 'r');
  try {
    const length = readSync(descriptor, head, 0, 4, 0);
    const elf = length === 4 && head.equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]));
    return elf || (length >= 2 && head[0] === 0x23 && head[1] === 0x21);
  } finally {
    closeSync(descriptor);
  }
}
