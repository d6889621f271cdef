import fs from 'node:fs';
import os from 'node:os';
import { FaultlineError } from '../model/errors.js';
import { delay } from './apply.js';
import { recordFault } from './events.js';

/**
 * File-system faults in the spirit of strace's `-e inject=SYSCALL:error=ERRNO:when=EXPR`.
 * `when` takes strace's forms: N (the Nth call only), N+ (the Nth and every later one), N+S
 * (the Nth and every Sth after it), N..M (from the Nth to the Mth). Calls count per fault,
 * among those that match its syscall and path.
 */
export interface FsFault {
  name?: string;
  syscall: string;
  errno: string;
  path?: string;
  when?: string;
  delay?: number;
}

const messages: Record<string, string> = {
  EIO: 'i/o error',
  ENOSPC: 'no space left on device',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOENT: 'no such file or directory',
  EMFILE: 'too many open files',
  EEXIST: 'file already exists',
  EBUSY: 'resource busy or locked',
  EDQUOT: 'disk quota exceeded',
  EAGAIN: 'resource temporarily unavailable',
  EINTR: 'interrupted system call',
};

/** Which public fs functions each syscall covers (callback, sync and promise forms). */
const coverage: Record<string, string[]> = {
  open: [
    'open',
    'openSync',
    'promises.open',
    'readFile',
    'readFileSync',
    'promises.readFile',
    'writeFile',
    'writeFileSync',
    'promises.writeFile',
    'appendFile',
    'appendFileSync',
    'promises.appendFile',
  ],
  write: [
    'write',
    'writeSync',
    'writev',
    'writevSync',
    'writeFile',
    'writeFileSync',
    'promises.writeFile',
    'appendFile',
    'appendFileSync',
    'promises.appendFile',
  ],
  read: ['read', 'readSync', 'readFile', 'readFileSync', 'promises.readFile'],
  fsync: ['fsync', 'fsyncSync', 'fdatasync', 'fdatasyncSync'],
  close: ['close', 'closeSync'],
  unlink: ['unlink', 'unlinkSync', 'promises.unlink'],
  mkdir: ['mkdir', 'mkdirSync', 'promises.mkdir'],
  rename: ['rename', 'renameSync', 'promises.rename'],
  stat: ['stat', 'statSync', 'promises.stat'],
};

export const fsSyscalls = Object.keys(coverage);

export function parseWhen(expression: string | undefined): (count: number) => boolean {
  if (expression === undefined) return () => true;
  const match = /^(\d+)(?:\.\.(\d+))?(?:(\+)(\d+)?)?$/.exec(expression.trim());
  if (!match || Number(match[1]) < 1) {
    throw new FaultlineError(
      'FAULTLINE_ERR_INVALID_FIELD',
      `invalid when "${expression}": use N (only the Nth call), N+ (the Nth and later), N+S (every Sth from the Nth) or N..M`,
    );
  }
  const first = Number(match[1]);
  const last = match[2] ? Number(match[2]) : match[3] ? Number.POSITIVE_INFINITY : first;
  const step = match[4] ? Number(match[4]) : 1;
  return (count) => count >= first && count <= last && (count - first) % step === 0;
}

function validate(fault: FsFault, index: number): void {
  const where = `fs fault ${index + 1}`;
  if (!coverage[fault.syscall]) {
    throw new FaultlineError(
      'FAULTLINE_ERR_INVALID_FIELD',
      `${where}: unknown syscall "${fault.syscall}"; use one of ${fsSyscalls.join(', ')}`,
    );
  }
  if (os.constants.errno[fault.errno as keyof typeof os.constants.errno] === undefined) {
    throw new FaultlineError(
      'FAULTLINE_ERR_INVALID_FIELD',
      `${where}: unknown errno "${fault.errno}"; for example EIO, ENOSPC or EACCES`,
    );
  }
}

export function fsError(code: string, syscall: string, path?: string): NodeJS.ErrnoException {
  const errno = os.constants.errno[code as keyof typeof os.constants.errno] ?? 0;
  const where = path === undefined ? '' : ` '${path}'`;
  return Object.assign(new Error(`${code}: ${messages[code] ?? 'injected error'}, ${syscall}${where}`), {
    errno: -errno,
    code,
    syscall,
    ...(path === undefined ? {} : { path }),
  });
}

/** Patches the fs module (and fs.promises) for these faults; returns the function that undoes it. */
export function installFsFaults(faults: FsFault[]): () => void {
  faults.forEach(validate);
  const fdPaths = new Map<number, string>();
  const counters = faults.map(() => 0);
  const matchers = faults.map((fault) => ({
    when: parseWhen(fault.when),
    path: fault.path ? new RegExp(fault.path) : undefined,
  }));
  const restore: Array<() => void> = [];

  const decide = (
    functionName: string,
    path: string | undefined,
  ): { fault: FsFault; index: number } | undefined => {
    for (const [index, fault] of faults.entries()) {
      if (!coverage[fault.syscall]!.includes(functionName)) continue;
      const matcher = matchers[index]!;
      if (matcher.path && (path === undefined || !matcher.path.test(path))) continue;
      counters[index]! += 1;
      if (matcher.when(counters[index]!)) {
        recordFault({
          fault: fault.name ?? `fs-${fault.syscall}-${fault.errno}`,
          target: 'fs',
          effect: 'error',
          call: { method: functionName, url: path ?? '' },
        });
        return { fault, index };
      }
    }
    return undefined;
  };
  const pathOf = (first: unknown) =>
    typeof first === 'number'
      ? fdPaths.get(first)
      : first instanceof URL
        ? first.pathname
        : typeof first === 'string'
          ? first
          : Buffer.isBuffer(first)
            ? first.toString()
            : undefined;

  const names = new Set(Object.values(coverage).flat());
  for (const name of names) {
    const promise = name.startsWith('promises.');
    const key = promise ? name.slice('promises.'.length) : name;
    const owner = (promise ? fs.promises : fs) as unknown as Record<string, (...args: unknown[]) => unknown>;
    const original = owner[key];
    if (typeof original !== 'function') continue;
    const sync = key.endsWith('Sync');
    const patched = function (this: unknown, ...args: unknown[]) {
      const path = pathOf(args[0]);
      const hit = decide(name, path);
      if (!hit) {
        const result = original.apply(this, args);
        if (key === 'openSync' && typeof result === 'number' && path) fdPaths.set(result, path);
        return result;
      }
      const error = fsError(hit.fault.errno, hit.fault.syscall, path);
      if (sync) throw error;
      const delivered = delay(hit.fault.delay ?? 0);
      if (promise) return delivered.then(() => Promise.reject(error));
      const callback = args.at(-1);
      if (typeof callback === 'function') void delivered.then(() => callback(error));
      return undefined;
    };
    // The callback form of open also records which path each descriptor belongs to.
    owner[key] = key === 'open' && !promise ? openPatched(original, decide, pathOf, fdPaths) : patched;
    restore.push(() => {
      owner[key] = original;
    });
  }
  return () => restore.forEach((undo) => undo());
}

function openPatched(
  original: (...args: unknown[]) => unknown,
  decide: (name: string, path: string | undefined) => { fault: FsFault } | undefined,
  pathOf: (first: unknown) => string | undefined,
  fdPaths: Map<number, string>,
) {
  return function (this: unknown, ...args: unknown[]) {
    const path = pathOf(args[0]);
    const callback = args.at(-1) as (error: unknown, fd?: number) => void;
    const hit = decide('open', path);
    if (hit) {
      void delay(hit.fault.delay ?? 0).then(() => callback(fsError(hit.fault.errno, 'open', path)));
      return undefined;
    }
    args[args.length - 1] = (error: unknown, fd?: number) => {
      if (!error && fd !== undefined && path) fdPaths.set(fd, path);
      callback(error, fd);
    };
    return original.apply(this, args);
  };
}
