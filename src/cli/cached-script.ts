import type fs from 'node:fs';
import { createRequire, isBuiltin } from 'node:module';
import { dirname, join, sep } from 'node:path';
import type util from 'node:util';
import { Script } from 'node:vm';
import { filesReplacedError } from '../server/files-replaced.js';

/**
 * Runs the server's CommonJS bundle (scripts/build-cli.mjs) with V8's code cache: the bytecode of
 * what a start-up runs, written beside each file at build time, so a fresh server deserializes its
 * functions instead of parsing and compiling them (Node 20 caches nothing of ours itself). V8
 * checks that a cache belongs to its own version and flags and compiles the source when it does
 * not, so a cache that is stale, missing or made by another Node only costs the time it saves.
 * The bundle's files require each other through this loader, and everything else (Node's modules,
 * packages, the zod file) through Node's require.
 */
export const CODE_CACHE_SUFFIX = '.v8-cache';

/** A file the server bundle names in a require: `./bundle-server.cjs`, `./bundle-server-chunk-X.cjs`… */
const BUNDLE_FILE = /^\.\/bundle-server(-[a-z0-9-]+-[A-Z0-9]{8})?\.cjs$/;

// Not imports: an ES module importing node:fs or node:util makes Node read each of their lazy
// properties, which loads fs/promises, readline and file watchers (fs.promises, the streams), and
// util's argument parser and MIME classes (util.parseArgs, util.MIMEType) into every server.
const requireBuiltin = createRequire(import.meta.url);
const { readFileSync, statSync, writeFileSync } = requireBuiltin('node:fs') as typeof fs;

/** What NODE_DEBUG=module prints, with Node's own lines for the files its require loads. */
const trace = (requireBuiltin('node:util') as typeof util).debuglog('module');

export type CodeCache = 'accepted' | 'rejected' | 'none';

interface RunScript {
  module: { exports: unknown };
  script: Script;
}

const scripts = new Map<string, RunScript>();

/** Compiles a CommonJS file as Node's loader would wrap it, with its code cache when it has one. */
export function compileWithCodeCache(filename: string): { script: Script; codeCache: CodeCache } {
  const cachedData = freshCodeCache(filename);
  // The wrapper has a line of its own, so lines and columns in stack traces are the file's.
  const script = new Script(
    `(function (exports, require, module, __filename, __dirname) {\n${readFileSync(filename, 'utf8')}\n})`,
    { filename, lineOffset: -1, ...(cachedData === undefined ? {} : { cachedData }) },
  );
  const codeCache = cachedData === undefined ? 'none' : script.cachedDataRejected ? 'rejected' : 'accepted';
  return { script, codeCache };
}

/**
 * A file changed this long after its code cache was written was edited since the build: a copy
 * that does not keep times (cp -r, a container layer) writes both within seconds, in any order.
 */
const EDITED_AFTER_BUILD_MS = 60_000;

/**
 * The code cache beside `filename`, unless it is missing or the file was edited after it was
 * written: V8 checks a cache's version, flags and source length, not the source itself, so an
 * edited file must not run an earlier build's bytecode.
 */
function freshCodeCache(filename: string): Buffer | undefined {
  const cacheFile = filename + CODE_CACHE_SUFFIX;
  try {
    if (statSync(filename).mtimeMs > statSync(cacheFile).mtimeMs + EDITED_AFTER_BUILD_MS) return undefined;
    return readFileSync(cacheFile);
  } catch {
    // No cache (a tsc-only build, a copied bundle): compiling the source is the designed fallback.
    return undefined;
  }
}

/** Runs a file of the bundle once, as require would, and answers its exports. */
export function runBundleFile(filename: string): unknown {
  // Node maps stack traces (--enable-source-maps) only for files its own loaders compiled.
  if (process.sourceMapsEnabled) return createRequire(filename)(filename);
  const known = scripts.get(filename);
  if (known) return known.module.exports;
  const { script, codeCache } = compileWithCodeCache(filename);
  trace('load "%s" with V8 code cache %s', filename, codeCache);
  const module = { exports: {} as unknown };
  scripts.set(filename, { module, script });
  const directory = dirname(filename);
  // Made at the first require of a package or of the zod file: most files require only their
  // chunks and Node's modules, and each createRequire resolves the file's whole path again.
  let nodeRequire: NodeJS.Require | undefined;
  const fileRequire = () => (nodeRequire ??= createRequire(filename));
  const require = Object.defineProperties(
    (id: string): unknown => requireFromBundle(id, directory, fileRequire),
    {
      resolve: { get: () => fileRequire().resolve, enumerable: true },
      cache: { get: () => fileRequire().cache, enumerable: true },
    },
  );
  try {
    (script.runInThisContext() as (...args: unknown[]) => void).call(
      module.exports,
      module.exports,
      require,
      module,
      filename,
      directory,
    );
  } catch (error) {
    // As Node's require: a file that failed is run again by the next require, not half-loaded.
    scripts.delete(filename);
    throw error;
  }
  return module.exports;
}

/**
 * A require from a file of the bundle: its own files through this loader, the rest through Node's.
 * One of its own files gone (the chunks are loaded at first use, long after the start) says that
 * faultline was replaced under the server and to restart it, instead of ENOENT.
 *
 * Its own files are named `./NAME.cjs` (BUNDLE_FILE), so their path is the directory's and the
 * name, with no path.join: the server's start normalized paths some 110 times (a join per
 * require, a resolve per createRequire), which made V8 optimize path's normalizeString with
 * TurboFan when faultline was installed under a longer directory or its start loaded two chunks
 * more; TurboFan's first use holds 4.5 MB more RSS in an idle server
 * (test/server-start-budget.test.ts).
 */
function requireFromBundle(id: string, directory: string, fileRequire: () => NodeJS.Require): unknown {
  const own = BUNDLE_FILE.test(id);
  try {
    if (own) return runBundleFile(directory + sep + id.slice('./'.length));
    return isBuiltin(id) ? requireBuiltin(id) : fileRequire()(id);
  } catch (error) {
    const { code } = error as { code?: unknown };
    const gone = own ? code === 'ENOENT' : OWN_FILE.test(id) && code === 'MODULE_NOT_FOUND';
    throw gone ? filesReplacedError(join(directory, id), error) : error;
  }
}

/** Any file of the server bundle, such as the zod file, which Node's require loads. */
const OWN_FILE = /^\.\/bundle-server[^/]*\.cjs$/;

/**
 * Writes the code cache of every file run so far beside it, with the functions compiled since
 * (the build calls this once a server has started and answered), and answers their names.
 */
export function writeCodeCaches(): string[] {
  for (const [filename, { script }] of scripts)
    writeFileSync(filename + CODE_CACHE_SUFFIX, script.createCachedData());
  return [...scripts.keys()];
}
