import { AsyncLocalStorage, AsyncResource } from 'node:async_hooks';
import fs from 'node:fs';
import os from 'node:os';
import { FaultlineError } from '../model/errors.js';
import { type FsFault, parseFsFault } from '../model/fault-fs.js';
import { refuseDuplicateNames } from '../model/fault-names.js';
import { compilePattern, type Pattern } from '../model/pattern.js';
import { parseWhen } from '../model/when.js';
import { delay } from './apply.js';
import { recordFault, unnamedFault } from './events.js';

export type { FsFault } from '../model/fault-fs.js';

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

/**
 * Which public fs functions each syscall covers: callback, sync and promise forms, and the methods
 * of a FileHandle (`handle.*`) that fs.promises.open gave while the faults were installed. Streams
 * (createReadStream, createWriteStream) call fs.open, read, write, writev and close, so they are
 * covered through those.
 */
const coverage: Record<FsFault['syscall'], string[]> = {
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
    'handle.write',
    'handle.writev',
    'handle.writeFile',
    'handle.appendFile',
  ],
  read: [
    'read',
    'readSync',
    'readv',
    'readvSync',
    'readFile',
    'readFileSync',
    'promises.readFile',
    'handle.read',
    'handle.readv',
    'handle.readFile',
  ],
  fsync: ['fsync', 'fsyncSync', 'fdatasync', 'fdatasyncSync', 'handle.sync', 'handle.datasync'],
  close: ['close', 'closeSync', 'handle.close'],
  unlink: ['unlink', 'unlinkSync', 'promises.unlink'],
  mkdir: ['mkdir', 'mkdirSync', 'promises.mkdir'],
  rename: ['rename', 'renameSync', 'promises.rename'],
  stat: ['stat', 'statSync', 'promises.stat', 'fstat', 'fstatSync', 'handle.stat'],
};

const handleMethods = [...new Set(Object.values(coverage).flat())].filter((name) =>
  name.startsWith('handle.'),
);

/**
 * Descriptors 0-2 are matched by these names. A fault reaches them only when its `path` pattern
 * matches the name: without a path filter, console.log to a redirected stdout is never failed.
 */
const standardStreams = ['/dev/stdin', '/dev/stdout', '/dev/stderr'];

/**
 * Set while a public fs call runs (its callbacks included): fs functions it calls on its own,
 * such as writeFileSync calling openSync and writeSync, are not counted a second time.
 */
const insidePublicCall = new AsyncLocalStorage<true>();

interface Armed {
  fault: FsFault;
  name: string;
  functions: ReadonlySet<string>;
  path: Pattern | undefined;
  when: (count: number) => boolean;
  calls: number;
}

function arm(fault: FsFault, index: number): Omit<Armed, 'name'> {
  const where = `fs fault ${index + 1}`;
  if (os.constants.errno[fault.errno as keyof typeof os.constants.errno] === undefined) {
    throw new FaultlineError(
      'FAULTLINE_ERR_INVALID_FIELD',
      `${where}: unknown errno "${fault.errno}"; for example EIO, ENOSPC or EACCES`,
    );
  }
  return {
    fault,
    functions: new Set(coverage[fault.syscall]),
    path: fault.path === undefined ? undefined : compilePattern(fault.path, `path in ${where}`),
    when: parseWhen(fault.when),
    calls: 0,
  };
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

type Method = (...args: unknown[]) => unknown;

/**
 * Holds a synchronous call as a slow disk holds it: the thread, and so the event loop, waits.
 * Atomics.wait on a value that never changes sleeps without spinning a core.
 */
function blockFor(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Patches the fs module, fs.promises and the FileHandles fs.promises.open gives for these faults;
 * returns the function that undoes it.
 */
export function installFsFaults(faults: unknown[]): () => void {
  const parsed = faults.map((value, index) => parseFsFault(value, `fs fault ${index + 1}`));
  refuseDuplicateNames(
    parsed.map((fault) => fault.name),
    (index) => `fs fault ${index + 1}`,
  );
  const taken = new Set(parsed.flatMap((fault) => fault.name ?? []));
  const armed: Armed[] = parsed.map(arm).map((checked) => ({
    ...checked,
    name: checked.fault.name ?? unnamedFault(`fs-${checked.fault.syscall}-${checked.fault.errno}`, taken),
  }));
  let installed = true;
  /** The path each descriptor opened through the patched fs was opened with. */
  const fdPaths = new Map<number, string | undefined>();
  /** The path each FileHandle opened through the patched fs.promises.open was opened with. */
  const handlePaths = new WeakMap<object, string | undefined>();

  const pathOf = (subject: unknown): string | undefined =>
    typeof subject === 'number'
      ? (standardStreams[subject] ?? fdPaths.get(subject))
      : subject instanceof URL
        ? subject.pathname
        : typeof subject === 'string'
          ? subject
          : Buffer.isBuffer(subject)
            ? subject.toString()
            : handlePaths.get(subject as object);

  const decide = (functionName: string, subject: unknown, path: string | undefined): Armed | undefined => {
    const standard = typeof subject === 'number' && standardStreams[subject] !== undefined;
    for (const candidate of armed) {
      if (!candidate.functions.has(functionName)) continue;
      if (candidate.path === undefined ? standard : path === undefined || !candidate.path.test(path))
        continue;
      candidate.calls += 1;
      if (!candidate.when(candidate.calls)) continue;
      return candidate;
    }
    return undefined;
  };

  /** Gives the FileHandle its faulty methods and remembers the path it was opened with. */
  const track = (handle: Record<string, unknown>, path: string | undefined): void => {
    handlePaths.set(handle, path);
    for (const name of handleMethods) {
      const key = name.slice('handle.'.length);
      const original = handle[key];
      if (typeof original === 'function') handle[key] = faulty(name, original as Method);
    }
  };

  function faulty(name: string, original: Method): Method {
    const handleMethod = name.startsWith('handle.');
    const promise = handleMethod || name.startsWith('promises.');
    const sync = name.endsWith('Sync');
    return function (this: unknown, ...args: unknown[]) {
      if (!installed || insidePublicCall.getStore()) return original.apply(this, args);
      const subject = handleMethod ? this : args[0];
      const path = pathOf(subject);
      const hit = decide(name, subject, path);
      const last = args.at(-1);
      const callback = !sync && !promise && typeof last === 'function' ? last : undefined;
      if (hit) {
        const error = fsError(hit.fault.errno, hit.fault.syscall, path);
        // Recorded when the call fails, after its delay, not when the fault is chosen.
        const record = () =>
          recordFault({
            fault: hit.name,
            target: 'fs',
            effect: 'error',
            call: { method: name, url: path ?? '' },
          });
        if (sync) {
          blockFor(hit.fault.delay ?? 0);
          record();
          throw error;
        }
        const delivered = delay(hit.fault.delay ?? 0).then(record);
        if (promise) return delivered.then(() => Promise.reject(error));
        if (callback) void delivered.then(() => callback(error));
        return undefined;
      }
      if (callback) {
        // The caller's callback runs in the caller's context, where its own fs calls count.
        const bound = AsyncResource.bind(callback as (...values: unknown[]) => unknown);
        args[args.length - 1] =
          name === 'open'
            ? (error: unknown, fd?: number) => {
                if (fd !== undefined) fdPaths.set(fd, path);
                bound(error, fd);
              }
            : bound;
      }
      const result = insidePublicCall.run(true, () => original.apply(this, args));
      if (name === 'openSync') fdPaths.set(result as number, path);
      if (name === 'promises.open')
        return (result as Promise<Record<string, unknown>>).then((handle) => {
          track(handle, path);
          return handle;
        });
      return result;
    };
  }

  const restore: Array<() => void> = [];
  for (const name of new Set(Object.values(coverage).flat())) {
    const promise = name.startsWith('promises.');
    const key = promise ? name.slice('promises.'.length) : name;
    const owner = (promise ? fs.promises : fs) as unknown as Record<string, Method>;
    const original = owner[key];
    if (typeof original !== 'function') continue;
    owner[key] = faulty(name, original);
    restore.push(() => {
      owner[key] = original;
    });
  }
  return () => {
    installed = false;
    restore.forEach((undo) => undo());
  };
}
