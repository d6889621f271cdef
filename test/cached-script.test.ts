import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { CODE_CACHE_SUFFIX, runBundleFile, writeCodeCaches } from '../src/cli/cached-script.js';
import { tempDirectory } from './helpers.js';

/** A directory holding a bundle entry that requires one chunk, a Node module and a package-like file. */
function bundleDirectory(): string {
  const directory = tempDirectory('cached-script');
  writeFileSync(
    join(directory, 'bundle-server.cjs'),
    'const chunk = require("./bundle-server-chunk-ABCD2345.cjs");\n' +
      'const again = require("./bundle-server-chunk-ABCD2345.cjs");\n' +
      'const { basename } = require("node:path");\n' +
      'const zod = require("./bundle-server-zod.cjs");\n' +
      'module.exports = { sum: chunk.add(2, 3), same: chunk === again, file: basename(__filename), dir: __dirname, zod: zod.name, self: this === exports };\n',
  );
  writeFileSync(
    join(directory, 'bundle-server-chunk-ABCD2345.cjs'),
    'globalThis.chunkRuns = (globalThis.chunkRuns ?? 0) + 1;\nexports.add = (a, b) => a + b;\n',
  );
  // Not a file of the bundle: Node's require loads it, so its module has Node's `require.main`.
  writeFileSync(
    join(directory, 'bundle-server-zod.cjs'),
    'exports.name = typeof module.paths === "object" ? "node" : "bundle";\n',
  );
  return directory;
}

/**
 * What compileWithCodeCache makes of a file's cache in a process of its own: within one process
 * V8 compiles a source it has seen from its own in-memory cache and never reads the one given.
 */
function codeCacheInFreshProcess(file: string): string {
  const loader = new URL('../src/cli/cached-script.js', import.meta.url).href;
  return execFileSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `const { compileWithCodeCache } = await import(${JSON.stringify(loader)});\n` +
        `process.stdout.write(compileWithCodeCache(${JSON.stringify(file)}).codeCache);`,
    ],
    { encoding: 'utf8', timeout: 30_000 },
  );
}

describe('the server bundle runs with V8 code caches (cached-script.ts)', () => {
  // First: writeCodeCaches writes beside every file this process has run, and the other tests'
  // directories are gone when they end.
  test('the code cache written after a run is accepted; none, a stale one and a foreign one are not used', () => {
    const directory = bundleDirectory();
    const entry = join(directory, 'bundle-server.cjs');
    const chunk = join(directory, 'bundle-server-chunk-ABCD2345.cjs');
    assert.equal(codeCacheInFreshProcess(entry), 'none');
    runBundleFile(entry);
    const written = writeCodeCaches();
    assert.ok(written.includes(entry) && written.includes(chunk), written.join(', '));
    assert.equal(existsSync(join(directory, `bundle-server-zod.cjs${CODE_CACHE_SUFFIX}`)), false);
    assert.equal(codeCacheInFreshProcess(entry), 'accepted');

    // The chunk's cache given to the entry: V8 refuses it (another source), and the file still runs.
    writeFileSync(entry + CODE_CACHE_SUFFIX, readFileSync(chunk + CODE_CACHE_SUFFIX));
    assert.equal(codeCacheInFreshProcess(entry), 'rejected');

    // A copy that did not keep times may write the cache a little before its file: still used.
    const now = Date.now() / 1000;
    utimesSync(chunk + CODE_CACHE_SUFFIX, now - 50, now - 50);
    assert.equal(codeCacheInFreshProcess(chunk), 'accepted');
    // A file edited a minute after its cache was written runs from its source.
    utimesSync(chunk + CODE_CACHE_SUFFIX, now - 70, now - 70);
    assert.equal(codeCacheInFreshProcess(chunk), 'none');
  });

  test('a file runs once, requires its chunks through the loader and everything else through Node', () => {
    const directory = bundleDirectory();
    const before = (globalThis as { chunkRuns?: number }).chunkRuns ?? 0;
    const exports = runBundleFile(join(directory, 'bundle-server.cjs'));
    assert.deepEqual(exports, {
      sum: 5,
      same: true,
      file: 'bundle-server.cjs',
      dir: directory,
      zod: 'node',
      self: true,
    });
    assert.equal(runBundleFile(join(directory, 'bundle-server.cjs')), exports);
    assert.equal((globalThis as { chunkRuns?: number }).chunkRuns, before + 1);
  });

  test('stack traces name the file’s own line and column, not the wrapper’s', () => {
    const directory = tempDirectory('cached-script');
    const file = join(directory, 'bundle-server.cjs');
    writeFileSync(file, 'exports.fail = () => {\n  throw new Error("here");\n};\n');
    const { fail } = runBundleFile(file) as { fail: () => void };
    assert.throws(fail, (error: Error) => error.stack!.includes(`${file}:2:9`));
  });

  test('a file that throws while it runs is run again by the next require, as Node does', () => {
    const directory = tempDirectory('cached-script');
    const file = join(directory, 'bundle-server.cjs');
    writeFileSync(
      file,
      'globalThis.flakyRuns = (globalThis.flakyRuns ?? 0) + 1;\n' +
        'if (globalThis.flakyRuns === 1) throw new Error("first run fails");\nexports.runs = globalThis.flakyRuns;\n',
    );
    assert.throws(() => runBundleFile(file), /^Error: first run fails$/);
    assert.deepEqual(runBundleFile(file), { runs: 2 });
  });

  test('with --enable-source-maps the bundle runs through Node’s require, so stack traces name the sources', () => {
    const directory = tempDirectory('cached-script');
    const file = join(directory, 'bundle-server.cjs');
    writeFileSync(file, 'throw new Error("mapped");\n//# sourceMappingURL=bundle-server.cjs.map\n');
    writeFileSync(
      `${file}.map`,
      JSON.stringify({ version: 3, sources: ['original.ts'], names: [], mappings: 'AASA' }),
    );
    const loader = new URL('../src/cli/cached-script.js', import.meta.url).href;
    const firstFrame = (flags: string[]) =>
      execFileSync(
        process.execPath,
        [
          ...flags,
          '--input-type=module',
          '-e',
          `const { runBundleFile } = await import(${JSON.stringify(loader)});\n` +
            `try { runBundleFile(${JSON.stringify(file)}); } catch (error) { process.stdout.write(error.stack.split('\\n')[1].trim()); }`,
        ],
        { encoding: 'utf8', timeout: 30_000 },
      );
    assert.match(firstFrame(['--enable-source-maps']), /original\.ts:10:1\)?$/);
    assert.match(firstFrame([]), /bundle-server\.cjs:1:7\)?$/);
  });

  test("a chunk or the zod file gone after the start says that faultline's files were replaced: restart the server", () => {
    const directory = tempDirectory('cached-script-gone');
    writeFileSync(
      join(directory, 'bundle-server.cjs'),
      'exports.chunk = () => require("./bundle-server-proxy-tls-ABCD2345.cjs");\n' +
        'exports.zod = () => require("./bundle-server-zod.cjs");\n' +
        'exports.optional = () => require("./not-ours.cjs");\n',
    );
    const entry = runBundleFile(join(directory, 'bundle-server.cjs')) as Record<string, () => unknown>;
    const replaced = (file: string) => ({
      code: 'MODULE_NOT_FOUND',
      message: `${join(directory, file)} is gone: faultline's files changed under the running server (an upgrade or a rebuild): restart the server`,
    });
    assert.throws(() => entry.chunk!(), replaced('bundle-server-proxy-tls-ABCD2345.cjs'));
    assert.throws(() => entry.zod!(), replaced('bundle-server-zod.cjs'));
    // What is not the bundle's own keeps Node's error, which code may expect of an optional module.
    assert.throws(() => entry.optional!(), { code: 'MODULE_NOT_FOUND', message: /^Cannot find module/ });
  });
});
