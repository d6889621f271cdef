import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { type FaultApplied, onFault } from '../src/inject/events.js';
import { fsError, installFsFaults } from '../src/inject/fs-faults.js';

// The faults are installed in this process, so each one names a path in this directory and is
// undone before the test ends: the runner's own files are never touched.
const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'faultline-fs-faults-'));
after(() => fs.rmSync(directory, { recursive: true, force: true }));
const file = (name: string) => path.join(directory, name);
const only = (name: string) => `^${file(name).replaceAll(/[.+]/g, '\\$&')}$`;

/** Installs the faults for the body only, whatever the body does. */
async function withFaults<T>(faults: unknown[], body: () => T | Promise<T>): Promise<T> {
  const undo = installFsFaults(faults);
  try {
    return await body();
  } finally {
    undo();
  }
}

const code = (action: () => unknown): string => {
  try {
    action();
    return 'ok';
  } catch (error) {
    return (error as NodeJS.ErrnoException).code ?? String(error);
  }
};

describe('fsError', () => {
  test('looks like the error node itself throws: errno, code, syscall, path and message', () => {
    const error = fsError('ENOSPC', 'write', '/data/x');
    assert.deepEqual(
      [error.message, error.errno, error.code, error.syscall, error.path],
      [
        "ENOSPC: no space left on device, write '/data/x'",
        -os.constants.errno.ENOSPC,
        'ENOSPC',
        'write',
        '/data/x',
      ],
    );
    const bare = fsError('EIO', 'fsync');
    assert.deepEqual([bare.message, 'path' in bare], ['EIO: i/o error, fsync', false]);
  });

  test('every documented errno has its own message', () => {
    const expected: Record<string, string> = {
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
    for (const [errno, message] of Object.entries(expected)) {
      assert.equal(fsError(errno, 'open').message, `${errno}: ${message}, open`);
    }
    assert.equal(fsError('ENOTDIR', 'open').message, 'ENOTDIR: injected error, open');
    assert.equal(fsError('ENOTANERRNO', 'open').errno, -0);
  });
});

describe('installFsFaults, in this process', () => {
  test('sync calls throw, callback calls get the error, promise calls reject, each with the path', async () => {
    const target = file('each-form.txt');
    fs.writeFileSync(target, 'data');
    await withFaults([{ syscall: 'open', errno: 'EACCES', path: only('each-form.txt') }], async () => {
      assert.throws(() => fs.readFileSync(target), {
        code: 'EACCES',
        syscall: 'open',
        path: target,
        message: `EACCES: permission denied, open '${target}'`,
      });
      const viaCallback = await new Promise<NodeJS.ErrnoException | null>((resolve) =>
        fs.readFile(target, (error) => resolve(error)),
      );
      assert.equal(viaCallback?.code, 'EACCES');
      await assert.rejects(fs.promises.readFile(target), { code: 'EACCES', path: target });
      assert.equal(fs.readFileSync(file('other.txt'), { flag: 'a+' }).toString(), '', 'another path passes');
    });
    assert.equal(fs.readFileSync(target, 'utf8'), 'data', 'undo restores fs');
  });

  test('when: 2..3 fails exactly the 2nd and 3rd matching calls', async () => {
    const target = file('counted.txt');
    fs.writeFileSync(target, 'x');
    const outcomes = await withFaults(
      [{ syscall: 'stat', errno: 'EIO', path: only('counted.txt'), when: '2..3' }],
      () => [1, 2, 3, 4, 5].map(() => code(() => fs.statSync(target))),
    );
    assert.deepEqual(outcomes, ['ok', 'EIO', 'EIO', 'ok', 'ok']);
  });

  test('a fault covers the functions its syscall names, and no others', async () => {
    const target = file('covered.txt');
    fs.writeFileSync(target, 'x');
    const outcomes = await withFaults(
      [{ syscall: 'write', errno: 'ENOSPC', path: only('covered.txt') }],
      () => ({
        appendFileSync: code(() => fs.appendFileSync(target, 'y')),
        writeFileSync: code(() => fs.writeFileSync(target, 'y')),
        readFileSync: code(() => fs.readFileSync(target)),
        statSync: code(() => fs.statSync(target)),
      }),
    );
    assert.deepEqual(outcomes, {
      appendFileSync: 'ENOSPC',
      writeFileSync: 'ENOSPC',
      readFileSync: 'ok',
      statSync: 'ok',
    });
  });

  test('writes on a descriptor are matched by the path it was opened with, sync or callback', async () => {
    const target = file('by-descriptor.txt');
    await withFaults([{ syscall: 'write', errno: 'EIO', path: only('by-descriptor.txt') }], async () => {
      // Both stay open, so the two descriptors have different numbers.
      const syncFd = fs.openSync(target, 'w');
      const callbackFd = await new Promise<number>((resolve, reject) =>
        fs.open(target, 'w', (error, fd) => (error ? reject(error) : resolve(fd))),
      );
      const other = fs.openSync(file('unmatched.txt'), 'w');
      try {
        assert.deepEqual(
          [syncFd, callbackFd, other].map((fd) => code(() => fs.writeSync(fd, 'x'))),
          ['EIO', 'EIO', 'ok'],
        );
      } finally {
        for (const fd of [syncFd, callbackFd, other]) fs.closeSync(fd);
      }
    });
  });

  test("a call made in another call's callback is the caller's own call and counts", async () => {
    const target = file('nested-callback.txt');
    fs.writeFileSync(target, 'x');
    const inner = await withFaults(
      [{ syscall: 'stat', errno: 'EIO', path: only('nested-callback.txt'), when: '2' }],
      () =>
        new Promise<string>((resolve) =>
          fs.stat(target, (first) => {
            assert.equal(first, null);
            fs.stat(target, (second) => resolve(second?.code ?? 'ok'));
          }),
        ),
    );
    assert.equal(inner, 'EIO');
  });

  test('a call inside another fs call is not counted again', async () => {
    const target = file('inner.txt');
    const outcomes = await withFaults(
      [{ syscall: 'write', errno: 'EIO', path: only('inner.txt'), when: '2' }],
      () => [
        code(() => fs.writeFileSync(target, Buffer.from('a'))),
        code(() => fs.writeFileSync(target, Buffer.from('b'))),
      ],
    );
    // With a Buffer, writeFileSync calls fs.openSync and fs.writeSync itself (a string goes
    // through one native call instead); counted once per public call, so the 2nd fails.
    assert.deepEqual(outcomes, ['ok', 'EIO']);
  });

  test('a URL and a Buffer path are matched as the path they name', async () => {
    const target = file('shapes.txt');
    fs.writeFileSync(target, 'x');
    await withFaults([{ syscall: 'stat', errno: 'EIO', path: only('shapes.txt') }], () => {
      assert.equal(
        code(() => fs.statSync(new URL(`file://${target}`))),
        'EIO',
      );
      assert.throws(
        () => fs.statSync(Buffer.from(target)),
        (error: NodeJS.ErrnoException) => {
          assert.deepEqual([error.code, error.path], ['EIO', target], 'the path as text, not the Buffer');
          return true;
        },
      );
    });
  });

  test('a delay holds the error back; each fault applied is recorded', async () => {
    const seen: FaultApplied[] = [];
    const stop = onFault((applied) => seen.push(applied));
    const target = file('late.txt');
    try {
      await withFaults(
        [{ name: 'slow-disk', syscall: 'mkdir', errno: 'EROFS', path: only('late.txt'), delay: 20 }],
        async () => {
          const started = performance.now();
          await assert.rejects(fs.promises.mkdir(target), { code: 'EROFS', syscall: 'mkdir' });
          assert.ok(performance.now() - started >= 20, 'the delay held the error back');
        },
      );
    } finally {
      stop();
    }
    assert.deepEqual(
      seen.map(({ fault, target: where, effect, call }) => [fault, where, effect, call.method, call.url]),
      [['slow-disk', 'fs', 'error', 'promises.mkdir', target]],
    );
  });

  test('a delay holds a synchronous call too, blocking as a slow disk does, then it throws', async () => {
    const target = file('late-sync.txt');
    await withFaults([{ syscall: 'write', errno: 'EIO', path: only('late-sync.txt'), delay: 30 }], () => {
      const started = performance.now();
      assert.throws(() => fs.writeFileSync(target, 'x'), { code: 'EIO', syscall: 'write' });
      assert.ok(performance.now() - started >= 30, 'the delay held the synchronous call');
    });
    await withFaults([{ syscall: 'write', errno: 'EIO', path: only('late-sync.txt') }], () =>
      assert.throws(
        () => fs.writeFileSync(target, 'x'),
        { code: 'EIO' },
        'without a delay it throws at once',
      ),
    );
  });

  test('an unnamed fault is named after its syscall and errno', async () => {
    const seen: string[] = [];
    const stop = onFault((applied) => seen.push(applied.fault));
    try {
      await withFaults([{ syscall: 'unlink', errno: 'EBUSY', path: only('gone.txt') }], () =>
        code(() => fs.unlinkSync(file('gone.txt'))),
      );
    } finally {
      stop();
    }
    assert.deepEqual(seen, ['fs-unlink-EBUSY']);
  });

  test('without a path a fault skips the standard streams; with one naming /dev/stdout it reaches descriptor 1', async () => {
    const outcomes = await withFaults([{ syscall: 'fsync', errno: 'EIO' }], () => [
      code(() => fs.fsyncSync(1)),
    ]);
    assert.notEqual(outcomes[0], 'EIO', 'descriptor 1 is not failed without a path');
    const named = await withFaults([{ syscall: 'fsync', errno: 'EIO', path: '^/dev/stdout$' }], () => [
      code(() => fs.fsyncSync(1)),
      code(() => fs.fsyncSync(2)),
    ]);
    assert.equal(named[0], 'EIO');
    assert.notEqual(named[1], 'EIO');
  });

  test('each syscall covers its callback, sync and promise functions, each one failed with the errno', async () => {
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
      read: ['read', 'readSync', 'readv', 'readvSync', 'readFile', 'readFileSync', 'promises.readFile'],
      fsync: ['fsync', 'fsyncSync', 'fdatasync', 'fdatasyncSync'],
      close: ['close', 'closeSync'],
      unlink: ['unlink', 'unlinkSync', 'promises.unlink'],
      mkdir: ['mkdir', 'mkdirSync', 'promises.mkdir'],
      rename: ['rename', 'renameSync', 'promises.rename'],
      stat: ['stat', 'statSync', 'promises.stat', 'fstat', 'fstatSync'],
    };
    const byDescriptor = new Set([
      'write',
      'writev',
      'read',
      'readv',
      'fsync',
      'fdatasync',
      'close',
      'fstat',
    ]);
    const argumentsFor = (name: string, target: string, fd: number): unknown[] => {
      const base = name.replace(/^promises\./, '').replace(/Sync$/, '');
      if (base === 'write') return [fd, Buffer.from('x')];
      if (base === 'writev') return [fd, [Buffer.from('x')]];
      if (base === 'read') return [fd, Buffer.alloc(1), 0, 1, 0];
      if (base === 'readv') return [fd, [Buffer.alloc(1)], 0];
      if (byDescriptor.has(base)) return [fd];
      if (base === 'open') return [target, 'a+'];
      if (base === 'writeFile' || base === 'appendFile') return [target, 'x'];
      if (base === 'rename') return [target, `${target}.moved`];
      return [target];
    };
    const outcomes: string[] = [];
    for (const [syscall, functions] of Object.entries(coverage)) {
      for (const name of functions) {
        const target = file(`${syscall}-${name}.txt`);
        fs.writeFileSync(target, 'data');
        const undo = installFsFaults([{ syscall, errno: 'EIO', path: only(`${syscall}-${name}.txt`) }]);
        const base = name.replace(/^promises\./, '').replace(/Sync$/, '');
        // The descriptor is opened through the patched fs, so its path is known to the faults.
        const fd = byDescriptor.has(base) ? fs.openSync(target, 'a+') : -1;
        try {
          const args = argumentsFor(name, target, fd);
          const owner = (name.startsWith('promises.') ? fs.promises : fs) as unknown as Record<
            string,
            (...values: unknown[]) => unknown
          >;
          const key = name.replace(/^promises\./, '');
          let result: string;
          if (name.startsWith('promises.')) {
            result = await (owner[key]!(...args) as Promise<unknown>).then(
              () => 'ok',
              (error: NodeJS.ErrnoException) => error.code ?? String(error),
            );
          } else if (name.endsWith('Sync')) {
            result = code(() => owner[key]!(...args));
          } else {
            result = await new Promise<string>((resolve) =>
              owner[key]!(...args, (error: NodeJS.ErrnoException | null) => resolve(error?.code ?? 'ok')),
            );
          }
          outcomes.push(`${syscall} ${name}: ${result}`);
        } finally {
          undo();
          if (fd >= 0 && base !== 'close') fs.closeSync(fd);
        }
      }
    }
    const expected = Object.entries(coverage).flatMap(([syscall, functions]) =>
      functions.map((name) => `${syscall} ${name}: EIO`),
    );
    assert.deepEqual(outcomes, expected);
  });

  test('the standard streams are /dev/stdin, /dev/stdout and /dev/stderr to a path pattern', async () => {
    const outcomes = await withFaults(
      [{ syscall: 'fsync', errno: 'EIO', path: '^/dev/std(in|out|err)$' }],
      () => [0, 1, 2].map((fd) => code(() => fs.fsyncSync(fd))),
    );
    assert.deepEqual(outcomes, ['EIO', 'EIO', 'EIO']);
  });

  test('without a path a fault reaches every descriptor but the standard streams', async () => {
    const target = file('any-descriptor.txt');
    const fd = fs.openSync(target, 'w');
    try {
      const outcomes = await withFaults([{ syscall: 'fsync', errno: 'EIO' }], () =>
        [0, fd].map((descriptor) => code(() => fs.fsyncSync(descriptor))),
      );
      assert.notEqual(outcomes[0], 'EIO');
      assert.equal(outcomes[1], 'EIO');
    } finally {
      fs.closeSync(fd);
    }
  });

  test('an errno the system does not know is refused, naming the fault', () => {
    assert.throws(() => installFsFaults([{ syscall: 'open', errno: 'ENOTHING' }]), {
      code: 'FAULTLINE_ERR_INVALID_FIELD',
      message: 'fs fault 1: unknown errno "ENOTHING"; for example EIO, ENOSPC or EACCES',
    });
  });

  test('a fault the schema refuses is named by its place in the list', () => {
    assert.throws(() => installFsFaults([{ syscall: 'open', errno: 'EIO' }, { syscall: 'open' }]), {
      code: 'FAULTLINE_ERR_MISSING_FIELD',
      message: /^missing errno in fs fault 2: /,
    });
  });

  test('a name given to two faults of one list is refused, naming both', () => {
    assert.throws(
      () =>
        installFsFaults([
          { name: 'disk', syscall: 'open', errno: 'EIO' },
          { name: 'disk', syscall: 'write', errno: 'EIO' },
        ]),
      { message: /^fs fault 2: the name "disk" is already the name of fs fault 1;/ },
    );
  });

  test('an unnamed fault skips a name another fault of its list was given by hand', async () => {
    // ENOTCONN is used by no other test of this file, so its first unnamed name is the plain one.
    const seen: string[] = [];
    const stop = onFault((applied) => seen.push(applied.fault));
    try {
      await withFaults(
        [
          { syscall: 'fsync', errno: 'ENOTCONN', path: only('taken.txt') },
          { name: 'fs-fsync-ENOTCONN', syscall: 'unlink', errno: 'ENOTCONN', path: only('taken.txt') },
        ],
        () => {
          const fd = fs.openSync(file('taken.txt'), 'w');
          try {
            assert.equal(
              code(() => fs.fsyncSync(fd)),
              'ENOTCONN',
            );
          } finally {
            fs.closeSync(fd);
          }
          assert.equal(
            code(() => fs.unlinkSync(file('taken.txt'))),
            'ENOTCONN',
          );
        },
      );
    } finally {
      stop();
    }
    assert.deepEqual(seen, ['fs-fsync-ENOTCONN-2', 'fs-fsync-ENOTCONN']);
  });

  test('a file named 0, 1 or 2 is a file, not a standard stream', async () => {
    // Relative names that do not exist: a fault without path fails them before fs looks.
    const outcomes = await withFaults([{ syscall: 'stat', errno: 'EIO' }], () =>
      ['0', '1', '2'].map((name) => code(() => fs.statSync(name))),
    );
    assert.deepEqual(outcomes, ['EIO', 'EIO', 'EIO']);
  });

  test('a descriptor opened before the faults has no path: no pattern matches it, not even one matching any text', async () => {
    const before = fs.openSync(file('opened-before.txt'), 'w');
    try {
      const outcomes = await withFaults([{ syscall: 'fsync', errno: 'EIO', path: '.' }], () => {
        const after = fs.openSync(file('opened-after.txt'), 'w');
        try {
          return [code(() => fs.fsyncSync(before)), code(() => fs.fsyncSync(after))];
        } finally {
          fs.closeSync(after);
        }
      });
      assert.deepEqual(outcomes, ['ok', 'EIO']);
    } finally {
      fs.closeSync(before);
    }
  });

  test('a fault without path on a descriptor of unknown path is recorded with an empty url', async () => {
    const seen: FaultApplied[] = [];
    const stop = onFault((applied) => seen.push(applied));
    const fd = fs.openSync(file('unknown-path.txt'), 'w');
    try {
      const outcome = await withFaults([{ syscall: 'fsync', errno: 'EIO' }], () =>
        code(() => fs.fsyncSync(fd)),
      );
      assert.equal(outcome, 'EIO');
    } finally {
      stop();
      fs.closeSync(fd);
    }
    // Unnamed faults get a name no other unnamed fault in this process has: fs-fsync-EIO, then -2, …
    assert.deepEqual(
      seen.map(({ fault, call }) => [/^fs-fsync-EIO(-\d+)?$/.test(fault), call.method, call.url]),
      [[true, 'fsyncSync', '']],
    );
  });

  test('a byte count a write returns is not taken for a descriptor', async () => {
    // `unknown` was opened before the faults; a write of exactly `unknown` bytes returns that number.
    const unknown = fs.openSync(file('count-unknown.txt'), 'w');
    try {
      const outcomes = await withFaults(
        [{ syscall: 'fsync', errno: 'EIO', path: only('count-known.txt') }],
        () => {
          const known = fs.openSync(file('count-known.txt'), 'w');
          try {
            assert.equal(fs.writeSync(known, Buffer.alloc(unknown)), unknown);
            return [code(() => fs.fsyncSync(unknown)), code(() => fs.fsyncSync(known))];
          } finally {
            fs.closeSync(known);
          }
        },
      );
      assert.deepEqual(outcomes, ['ok', 'EIO']);
    } finally {
      fs.closeSync(unknown);
    }
  });

  test('a callback gets every argument fs gives it, not only the first two', async () => {
    const target = file('read-back.txt');
    fs.writeFileSync(target, 'abc');
    const fd = fs.openSync(target, 'r');
    try {
      const buffer = Buffer.alloc(3);
      const [bytesRead, filled] = await withFaults(
        [{ syscall: 'read', errno: 'EIO', path: only('elsewhere.txt') }],
        () =>
          new Promise<[number, Buffer]>((resolve, reject) =>
            fs.read(fd, buffer, 0, 3, 0, (error, count, into) =>
              error ? reject(error) : resolve([count, into]),
            ),
          ),
      );
      assert.equal(bytesRead, 3);
      assert.equal(filled, buffer);
      assert.equal(filled.toString(), 'abc');
    } finally {
      fs.closeSync(fd);
    }
  });

  test('arguments the faults do not take reach fs untouched, and fs refuses them itself', async () => {
    const target = file('untouched.txt');
    fs.writeFileSync(target, 'x');
    const mode = function mode() {};
    await withFaults([{ syscall: 'stat', errno: 'EIO', path: only('elsewhere.txt') }], async () => {
      // A function where a sync or promise call takes a mode is not a callback to wrap.
      const received = 'The "mode" argument must be of type number. Received function mode';
      assert.throws(() => fs.openSync(target, 'r', mode as never), {
        code: 'ERR_INVALID_ARG_TYPE',
        message: received,
      });
      await assert.rejects(fs.promises.open(target, 'r', mode as never), {
        code: 'ERR_INVALID_ARG_TYPE',
        message: received,
      });
      // A callback call without its callback gets node's own error.
      assert.throws(() => (fs.stat as unknown as (path: string) => void)(target), {
        code: 'ERR_INVALID_ARG_TYPE',
        message: 'The "cb" argument must be of type function. Received undefined',
      });
    });
  });

  test('fs.close without a callback under a fault: the fault is recorded and nothing is thrown, now or later', async () => {
    const seen: string[] = [];
    const stop = onFault((applied) => seen.push(String(applied.call.method)));
    const rejections: unknown[] = [];
    const onRejection = (reason: unknown) => rejections.push(reason);
    process.on('unhandledRejection', onRejection);
    const target = file('close-no-callback.txt');
    fs.writeFileSync(target, 'x');
    let known = -1;
    try {
      await withFaults(
        [{ syscall: 'close', errno: 'EIO', path: only('close-no-callback.txt') }],
        async () => {
          // Opened through the patched fs, so the fault knows its path.
          known = fs.openSync(target, 'r');
          assert.equal((fs.close as (fd: number) => void)(known), undefined);
          // A delay of 0 delivers in a microtask; an unhandled rejection would be reported before this.
          await new Promise((resolve) => setImmediate(resolve));
        },
      );
    } finally {
      stop();
      process.off('unhandledRejection', onRejection);
      // The fault took the place of the close, so the descriptor is still open.
      if (known >= 0) fs.closeSync(known);
    }
    assert.deepEqual([seen, rejections], [['close'], []]);
  });

  test('a function this fs does not have is not added', async () => {
    const owner = fs as unknown as Record<string, unknown>;
    const original = owner.fdatasyncSync;
    owner.fdatasyncSync = undefined;
    try {
      const during = await withFaults([{ syscall: 'fsync', errno: 'EIO' }], () => owner.fdatasyncSync);
      assert.equal(during, undefined);
      assert.equal(owner.fdatasyncSync, undefined);
    } finally {
      owner.fdatasyncSync = original;
    }
  });

  test('each FileHandle method is covered by its syscall, and fails with the path it was opened with', async () => {
    const cases: Array<[string, string, (handle: fs.promises.FileHandle) => Promise<unknown>]> = [
      ['write', 'write', (handle) => handle.write('x')],
      ['write', 'writev', (handle) => handle.writev([Buffer.from('x')])],
      ['write', 'writeFile', (handle) => handle.writeFile('x')],
      ['write', 'appendFile', (handle) => handle.appendFile('x')],
      ['read', 'read', (handle) => handle.read(Buffer.alloc(1), 0, 1, 0)],
      ['read', 'readv', (handle) => handle.readv([Buffer.alloc(1)], 0)],
      ['read', 'readFile', (handle) => handle.readFile()],
      ['fsync', 'sync', (handle) => handle.sync()],
      ['fsync', 'datasync', (handle) => handle.datasync()],
      ['close', 'close', (handle) => handle.close()],
      ['stat', 'stat', (handle) => handle.stat()],
    ];
    const outcomes: string[] = [];
    const seen: string[] = [];
    const stop = onFault((applied) => seen.push(String(applied.call.method)));
    try {
      for (const [syscall, method, call] of cases) {
        const name = `handle-${method}.txt`;
        fs.writeFileSync(file(name), 'data');
        const undo = installFsFaults([{ syscall, errno: 'EIO', path: only(name) }]);
        const handle = await fs.promises.open(file(name), 'r+');
        const other = await fs.promises.open(file(`other-${name}`), 'w+');
        try {
          const failed = await call(handle).then(
            () => 'ok',
            (error: NodeJS.ErrnoException) => `${error.code} ${error.syscall} ${error.path}`,
          );
          const passed = await call(other).then(
            () => 'ok',
            (error: NodeJS.ErrnoException) => error.code,
          );
          outcomes.push(`${method}: ${failed}; another path: ${passed}`);
        } finally {
          undo();
          await handle.close();
          await other.close();
        }
      }
    } finally {
      stop();
    }
    assert.deepEqual(
      outcomes,
      cases.map(
        ([syscall, method]) => `${method}: EIO ${syscall} ${file(`handle-${method}.txt`)}; another path: ok`,
      ),
    );
    assert.deepEqual(
      seen,
      cases.map(([, method]) => `handle.${method}`),
    );
  });

  test('a FileHandle is matched by its path in fs.promises.writeFile too; after the undo its methods work again', async () => {
    const name = 'handle-after.txt';
    const undo = installFsFaults([{ syscall: 'write', errno: 'ENOSPC', path: only(name) }]);
    const handle = await fs.promises.open(file(name), 'w');
    try {
      await assert.rejects(fs.promises.writeFile(handle, 'x'), { code: 'ENOSPC', path: file(name) });
      await assert.rejects(handle.write('x'), { code: 'ENOSPC' });
      undo();
      assert.equal((await handle.write('abc')).bytesWritten, 3);
    } finally {
      undo();
      await handle.close();
    }
    assert.equal(fs.readFileSync(file(name), 'utf8'), 'abc');
  });

  test('a FileHandle opened before the faults keeps its methods, as a descriptor keeps its unknown path', async () => {
    const name = 'handle-before.txt';
    const handle = await fs.promises.open(file(name), 'w');
    try {
      const outcome = await withFaults([{ syscall: 'write', errno: 'EIO' }], () =>
        handle.write('x').then(
          () => 'ok',
          (error: NodeJS.ErrnoException) => String(error.code),
        ),
      );
      assert.equal(outcome, 'ok');
    } finally {
      await handle.close();
    }
  });

  test('streams go through fs.open, write(v), read and close: createWriteStream and createReadStream fail too', async () => {
    const written = file('stream-out.txt');
    const writeError = await withFaults(
      [{ syscall: 'write', errno: 'EIO', path: only('stream-out.txt') }],
      () =>
        new Promise<NodeJS.ErrnoException>((resolve, reject) => {
          const stream = fs.createWriteStream(written);
          stream.on('error', resolve);
          stream.on('finish', () => reject(new Error('the stream finished without an error')));
          stream.write('a');
          stream.end('b');
        }),
    );
    assert.deepEqual([writeError.code, writeError.syscall, writeError.path], ['EIO', 'write', written]);
    const read = file('stream-in.txt');
    fs.writeFileSync(read, 'data');
    const readError = await withFaults(
      [{ syscall: 'read', errno: 'EACCES', path: only('stream-in.txt') }],
      () =>
        new Promise<NodeJS.ErrnoException>((resolve, reject) => {
          const stream = fs.createReadStream(read);
          stream.on('error', resolve);
          stream.on('end', () => reject(new Error('the stream ended without an error')));
          stream.resume();
        }),
    );
    assert.deepEqual([readError.code, readError.syscall, readError.path], ['EACCES', 'read', read]);
  });

  test('the undo puts back the very functions fs had, and patches only the covered ones', () => {
    const names = (owner: object) =>
      Object.keys(owner).filter((key) => typeof Reflect.get(owner, key) === 'function');
    const before = new Map([
      ...names(fs).map((key) => [`fs.${key}`, Reflect.get(fs, key)] as const),
      ...names(fs.promises).map((key) => [`promises.${key}`, Reflect.get(fs.promises, key)] as const),
    ]);
    const undo = installFsFaults([{ syscall: 'stat', errno: 'EIO', path: only('restored.txt') }]);
    const changed = [...before].filter(([name, original]) => {
      const [owner, key] = name.startsWith('fs.') ? [fs, name.slice(3)] : [fs.promises, name.slice(9)];
      return Reflect.get(owner, key) !== original;
    });
    undo();
    const notRestored = [...before].filter(([name, original]) => {
      const [owner, key] = name.startsWith('fs.') ? [fs, name.slice(3)] : [fs.promises, name.slice(9)];
      return Reflect.get(owner, key) !== original;
    });
    const patched = [
      ...['open', 'readFile', 'writeFile', 'appendFile', 'write', 'writev', 'read', 'readv'],
      ...['fsync', 'fdatasync', 'close', 'unlink', 'mkdir', 'rename', 'stat', 'fstat'],
    ].flatMap((name) => [`fs.${name}`, `fs.${name}Sync`]);
    const promised = ['open', 'readFile', 'writeFile', 'appendFile', 'unlink', 'mkdir', 'rename', 'stat'];
    assert.deepEqual(
      changed.map(([name]) => name).sort(),
      [...patched, ...promised.map((name) => `promises.${name}`)].sort(),
    );
    assert.deepEqual(notRestored, []);
  });
});
