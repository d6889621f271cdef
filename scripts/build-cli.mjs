// Bundles the CLI over tsc's dist/src/cli/main.js, in two bundles and two launchers:
// - bundle-cli.js: src/cli/main.ts, every command split into a chunk loaded when it runs;
// - bundle-server.cjs: src/cli/server-main.ts, the same program with only the server command, in
//   one file (what only some servers run stays in chunks of their own, loaded at first use), as
//   CommonJS with V8's code cache of what a start-up runs beside each file (src/cli/cached-script.ts);
// - main.js: picks one of the two from the command line;
// - main.cjs, the bin: the same launcher as CommonJS, so `faultline server` runs without Node's ES
//   module loader.
// Loading zod, pino, find-my-way and commander as minified bundles instead of some 150 module
// files is what brings the server's start-up time and idle memory down (README, Performance);
// bundling our own modules alone changed neither. tsc's output stays in dist/src: the library
// exports, the tests and worker threads use it, and a tsc-only build leaves a main.js that runs
// the same program, only slower to start (and no main.cjs: the bin needs this build).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import ts from 'typescript';
import { removeOlderBuilds } from './previous-build-files.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// --outdir: another directory than dist/src/cli (test/rebuild-beside-server.test.ts builds into
// one of its own; it holds command-table.js and cached-script.js, which the launchers bundle).
const { values: options } = parseArgs({ options: { outdir: { type: 'string' } } });
const outdir = options.outdir === undefined ? join(root, 'dist/src/cli') : resolve(options.outdir);
const prefix = 'bundle-';

// The previous build's files stay until this one is written, and then as long as the next build
// (scripts/previous-build-files.mjs): a server it started loads its chunks at their first use.
const before = readdirSync(outdir).filter((file) => file.startsWith(prefix));
/** The names of the files this build writes. */
const written = new Set();
const wrote = (result, rename = (file) => file) => {
  for (const path of Object.keys(result.metafile.outputs)) written.add(rename(basename(path)));
  return result;
};

/**
 * A bundled module keeps the import.meta.url of its own compiled file in dist/src, so what it
 * finds relative to itself (package.json, worker files, the browser script, examples) is found
 * as from tsc's output, wherever the bundle put its code.
 */
const ownImportMetaUrl = {
  name: 'own-import-meta-url',
  setup(bundler) {
    bundler.onLoad({ filter: /[\\/]src[\\/].*\.ts$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      if (!source.includes('import.meta.url')) return undefined;
      const compiled = join(root, 'dist', relative(root, args.path)).replace(/\.ts$/, '.js');
      const fromBundle = relative(outdir, compiled).split(sep).join('/');
      const url = `new URL(${JSON.stringify(fromBundle)}, import.meta.url).href`;
      return { contents: source.replaceAll('import.meta.url', url), loader: 'ts' };
    });
  },
};

/**
 * zod's locales module gathers its 48 languages (260 KB of the bundle), which every command would
 * parse at start-up; faultline writes English, so the bundle's locales module offers English only.
 */
const englishOnlyZod = {
  name: 'english-only-zod',
  setup(bundler) {
    bundler.onLoad({ filter: /[\\/]node_modules[\\/]zod[\\/]v4[\\/]locales[\\/]index\.c?js$/ }, (args) => ({
      contents: args.path.endsWith('.cjs')
        ? 'exports.en = require("./en.cjs");'
        : 'export { default as en } from "./en.js";',
      loader: 'js',
    }));
  },
};

/**
 * RE2JS builds its Unicode tables when its module is evaluated (about 1 MB of an idle server's
 * RSS), and only a fault or match with a pattern needs it. In the CLI bundles, pattern.ts loads
 * it at the first pattern compiled: a require() of a bundled module is evaluated at its first
 * call. The browser script and tsc's output keep the plain import.
 */
const re2jsAtFirstPattern = {
  name: 're2js-at-first-pattern',
  setup(bundler) {
    bundler.onLoad({ filter: /[\\/]src[\\/]model[\\/]pattern\.ts$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      const eager = "import { RE2JS } from 're2js';";
      if (!source.includes(eager)) throw new Error(`build-cli: ${args.path} no longer has ${eager}`);
      const lazy =
        "let re2js: typeof import('re2js') | undefined; " +
        "const RE2JS = { compile: (source: string) => (re2js ??= require('re2js') as typeof import('re2js')).RE2JS.compile(source) };";
      return { contents: source.replace(eager, lazy), loader: 'ts' };
    });
  },
};

/**
 * pino loads its transport code (thread-stream, with node:worker_threads and its message ports)
 * when it is evaluated, though only pino.transport() runs it: in the server bundle it is required
 * at its first use, and pino's check that it runs on the main thread, which it asks
 * worker_threads at the logger's creation, is answered for the bundle that only ever runs as
 * `faultline server`'s main thread. 0.5 MB of an idle server's RSS and 1 ms of its start.
 */
const pinoWithoutThreadsUntilUsed = {
  name: 'pino-without-threads-until-used',
  setup(bundler) {
    const edits = {
      'pino.js': [
        [
          "module.exports.transport = require('./lib/transport')",
          "Object.defineProperty(module.exports, 'transport', { enumerable: true, get: () => require('./lib/transport') })",
        ],
      ],
      'lib/tools.js': [
        [
          "const { isMainThread } = require('worker_threads')",
          '// faultline: the server bundle runs on the main thread.\nconst isMainThread = true',
        ],
        [
          "const transport = require('./transport')",
          "const transport = (options) => require('./transport')(options)",
        ],
      ],
    };
    bundler.onLoad({ filter: /[\\/]node_modules[\\/]pino[\\/](pino|lib[\\/]tools)\.js$/ }, (args) => {
      let source = readFileSync(args.path, 'utf8');
      const file = args.path.endsWith('pino.js') ? 'pino.js' : 'lib/tools.js';
      for (const [eager, lazy] of edits[file]) {
        if (!source.includes(eager)) throw new Error(`build-cli: pino's ${file} no longer has ${eager}`);
        source = source.replace(eager, lazy);
      }
      return { contents: source, loader: 'js' };
    });
  },
};

/**
 * find-my-way (as it registers routes) and sonic-boom call node:assert only as assert(value,
 * message), always with a message, and an idle server's assertions all hold. In the server
 * bundle they reach node:assert at the first assertion that fails, which throws what it would
 * have: node:assert and its four internal modules stay unloaded (1.5 ms of a start, 0.2 MB).
 */
const assertAtFirstFailure = {
  name: 'assert-at-first-failure',
  setup(bundler) {
    const files = {
      'find-my-way/index.js': "const assert = require('node:assert')",
      'find-my-way/lib/constrainer.js': "const assert = require('node:assert')",
      'find-my-way/lib/strategies/accept-host.js': "const assert = require('node:assert')",
      'find-my-way/lib/strategies/accept-version.js': "const assert = require('node:assert')",
      'sonic-boom/index.js': "const assert = require('assert')",
    };
    bundler.onLoad({ filter: /[\\/]node_modules[\\/](find-my-way|sonic-boom)[\\/].*\.js$/ }, (args) => {
      const file = Object.keys(files).find((name) =>
        args.path.split(sep).join('/').endsWith(`/node_modules/${name}`),
      );
      if (file === undefined) return undefined;
      const source = readFileSync(args.path, 'utf8');
      const eager = files[file];
      if (!source.includes(eager)) throw new Error(`build-cli: ${file} no longer has ${eager}`);
      if (/\bassert\s*\./.test(source) || /\bassert\(\s*[^,()]+\s*\)/.test(source))
        throw new Error(`build-cli: ${file} uses node:assert as more than assert(value, message)`);
      const lazy =
        "const assert = (value, message) => { if (!value) require('node:assert')(value, message) }";
      return { contents: source.replace(eager, lazy), loader: 'js' };
    });
  },
};

/**
 * zod's module costs an idle server about 2.8 MB of RSS when it is evaluated, and the server's
 * schemas are built at their first use (lazySchema in src/model/fields.ts). In the server bundle
 * the files that use zod reach it through require() of a file of its own,
 * bundle-server-zod-HASH.cjs (named by its content, as the chunks are, so a server started before a
 * rebuild still loads the zod its code was built with), so zod is read, parsed and evaluated with the first request that needs validating: inside the
 * server bundle its 300 KB of source were parsed at every start and held in every idle server's
 * heap. That file holds only the zod functions those files call (zodFunctionsCalled), tree-shaken
 * from zod's ES modules: the whole of zod/mini took 200 ms of a loaded machine's CPU to evaluate,
 * all of it in the first POST /proxies. Every zod import in the server bundle goes through that
 * file, so the server has one copy of zod, never two.
 */
/** `./bundle-server-zod-HASH.cjs`, known once that file is built (below). */
let serverZod;
const zodSources = [
  'src/model/toxic.ts',
  'src/model/proxy-spec.ts',
  'src/model/tls-spec.ts',
  'src/model/fields.ts',
  'src/server/routes/halt.ts',
  'src/server/routes/runs.ts',
  'src/server/routes/body-schema.ts',
];
const zodFiles = new RegExp(
  `[\\\\/](${zodSources.map((file) => file.replace(/\//g, '[\\\\/]').replace('.', '\\.')).join('|')})$`,
);

/**
 * The zod/mini functions the server's files call, read from their syntax trees: every use of
 * the namespace `z` is `z.NAME(...)` or the type `z.infer<...>`. Any other use (passed on,
 * indexed, a property read) could reach past what the tree-shaken file exports, so it stops
 * the build.
 */
function zodFunctionsCalled() {
  const names = new Set();
  for (const file of zodSources) {
    const tree = ts.createSourceFile(
      file,
      readFileSync(join(root, file), 'utf8'),
      ts.ScriptTarget.Latest,
      true,
    );
    const visit = (node) => {
      if (ts.isIdentifier(node) && node.text === 'z' && !ts.isNamespaceImport(node.parent)) {
        const access = node.parent;
        const call = access.parent;
        if (
          ts.isPropertyAccessExpression(access) &&
          access.expression === node &&
          ts.isCallExpression(call) &&
          call.expression === access
        )
          names.add(access.name.text);
        else if (!(ts.isQualifiedName(access) && access.right.text === 'infer'))
          throw new Error(
            `build-cli: ${file}:${tree.getLineAndCharacterOfPosition(node.getStart()).line + 1} uses z as ${JSON.stringify(access.getText())}; ` +
              "the server's zod file exports only the functions called as z.NAME(...)",
          );
      }
      ts.forEachChild(node, visit);
    };
    visit(tree);
  }
  return [...names].sort();
}

const zodAtFirstValidation = {
  name: 'zod-at-first-validation',
  setup(bundler) {
    bundler.onLoad({ filter: zodFiles }, (args) => {
      let source = readFileSync(args.path, 'utf8');
      const replace = (eager, lazy) => {
        if (!source.includes(eager)) throw new Error(`build-cli: ${args.path} no longer has ${eager}`);
        source = source.replace(eager, lazy);
      };
      // One require, at the first use: the Proxy below and safeParse reach zod through it. At the
      // end, so line numbers stay the source's.
      source +=
        `\nlet zodModule: any;\nfunction loadZod(): any { return (zodModule ??= require('${serverZod}')); }\n` +
        'function zodExport(key: PropertyKey): unknown {\n' +
        '  const value = loadZod()[key];\n' +
        `  if (value === undefined) throw new Error(\`z.\${String(key)} is not in ${serverZod}: scripts/build-cli.mjs exports what zodFunctionsCalled finds\`);\n` +
        '  return value;\n}\n';
      if (source.includes("from 'zod/mini'")) {
        replace(
          "import * as z from 'zod/mini';",
          'const z = new Proxy({}, { get: (_target, key) => zodExport(key) }) as any;',
        );
      }
      if (source.includes("from 'zod/v4/core'")) {
        replace(
          "import { type $ZodType, safeParse } from 'zod/v4/core';",
          "import type { $ZodType } from 'zod/v4/core'; " +
            "const safeParse: typeof import('zod/v4/core').safeParse = (...args) => loadZod().safeParse(...args);",
        );
      }
      if (/^import (?!type )[^;]*from 'zod/m.test(source))
        throw new Error(`build-cli: ${args.path} imports zod in a way the lazy rewrite does not know`);
      return { contents: source, loader: 'ts' };
    });
  },
};

/** What every bundle of Node code here is built with. */
const forNode = {
  platform: 'node',
  target: 'node20',
  // Identifiers keep their names, so stack traces and class names read as in the source.
  // (esbuild's keepNames would do it for minified names by redefining the name of every
  // function as it is created, closures included: 10 KB more per idle proxied connection.)
  minifySyntax: true,
  minifyWhitespace: true,
  // For node --enable-source-maps.
  sourcemap: 'linked',
  sourcesContent: false,
  logLevel: 'warning',
};

// CommonJS packages inside an ES module bundle still call require for Node's own modules.
const requireBanner =
  "import { createRequire as faultlineRequire } from 'node:module'; const require = faultlineRequire(import.meta.url);";

const bundle = (name, entry, extraPlugins = [], external = [], banner = requireBanner) =>
  build({
    entryPoints: { [`${prefix}${name}`]: join(root, entry) },
    outdir,
    chunkNames: `${prefix}${name}-[name]-[hash]`,
    bundle: true,
    splitting: true,
    format: 'esm',
    ...forNode,
    banner: { js: banner },
    plugins: [ownImportMetaUrl, englishOnlyZod, re2jsAtFirstPattern, ...extraPlugins],
    external,
    metafile: true,
  });

/**
 * Node 20 keeps no code cache of ES modules, and esbuild splits only ES modules into chunks: the
 * server's files are split as ES modules, then each becomes a CommonJS file (.cjs) that requires
 * the others where it imported them, so cached-script.ts can run them with V8's code cache. Their
 * import.meta.url is the URL of the .cjs file, in the same directory.
 */
const moduleUrlBanner = 'var __faultlineModuleUrl=require("node:url").pathToFileURL(__filename).href;';
async function asCommonJs(files) {
  const ownFile = /^\.\/bundle-server[^/]*\.js$/;
  for (const file of files) {
    await build({
      entryPoints: [file],
      outfile: file.replace(/\.js$/, '.cjs'),
      bundle: true,
      format: 'cjs',
      ...forNode,
      // import() of a chunk becomes a require, run when the import() would have loaded it.
      supported: { 'dynamic-import': false },
      define: { 'import.meta.url': '__faultlineModuleUrl' },
      banner: { js: moduleUrlBanner },
      external: [serverZod, 're2js'],
      plugins: [
        {
          name: 'chunks-as-common-js',
          setup(bundler) {
            bundler.onResolve({ filter: ownFile }, (args) => ({
              path: args.path.replace(/\.js$/, '.cjs'),
              external: true,
            }));
          },
        },
      ],
    });
    const cjsFile = file.replace(/\.js$/, '.cjs');
    let converted = readFileSync(cjsFile, 'utf8');
    // A file that never reads import.meta.url does without the banner's pathToFileURL: each call
    // resolves the file's whole path, and the server's start-up runs near V8's point of
    // optimizing path's normalizeString (4.5 MB of RSS: cached-script.ts, requireFromBundle).
    // Its line stays, empty, so the source map's lines still match.
    if (converted.startsWith(moduleUrlBanner) && converted.split('__faultlineModuleUrl').length === 2) {
      converted = converted.slice(moduleUrlBanner.length);
      writeFileSync(cjsFile, converted);
    }
    // (A method named import, as @peculiar/x509 has, follows a dot, a brace or a name.)
    if (converted.includes('import.meta') || /(?<![.\w}$])import\(/.test(converted))
      throw new Error(`build-cli: ${file} as CommonJS still uses import.meta or import()`);
    rmSync(file);
    rmSync(`${file}.map`, { force: true });
  }
}

/**
 * Starts the server from its CommonJS bundle (scripts/write-code-cache.mjs), asks it GET /version,
 * and has it write the code cache of the files it ran; then checks that a fresh process, this one,
 * has V8 accept each of them, so a cache that would be rejected stops the build instead of
 * quietly costing every start-up.
 */
async function writeServerCodeCache() {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !key.startsWith('FAULTLINE_')),
  );
  const child = spawn(
    process.execPath,
    [
      join(root, 'scripts/write-code-cache.mjs'),
      join(outdir, `${prefix}server.cjs`),
      'server',
      '--port',
      '0',
      '--log-level',
      'warn',
    ],
    { env, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] },
  );
  let stderr = '';
  let timer;
  try {
    const url = await new Promise((resolve, reject) => {
      timer = setTimeout(
        () => reject(new Error(`build-cli: the server did not listen within 30 s: ${stderr}`)),
        30_000,
      );
      child.stderr.on('data', (chunk) => {
        stderr += chunk;
        const match = /listening on (http:\/\/\S+)/.exec(stderr);
        if (match) resolve(match[1]);
      });
      child.once('exit', (code) => reject(new Error(`build-cli: the server exited ${code}: ${stderr}`)));
    });
    const answer = await fetch(`${url}/version`, { signal: AbortSignal.timeout(30_000) });
    if (!answer.ok)
      throw new Error(`build-cli: the server answered GET /version ${answer.status}: ${await answer.text()}`);
    child.send('write');
    const [written] = await once(child, 'message');
    const { compileWithCodeCache } = await import('../dist/src/cli/cached-script.js');
    for (const file of written) {
      const { codeCache } = compileWithCodeCache(file);
      if (codeCache !== 'accepted')
        throw new Error(`build-cli: V8's code cache of ${file} is ${codeCache} in a fresh process`);
    }
  } finally {
    clearTimeout(timer);
    if (child.exitCode === null && child.signalCode === null) process.kill(child.pid, 'SIGKILL');
  }
}

wrote(await bundle('cli', 'src/cli/main.ts'));
// The server bundle leaves out what an idle server never runs: zod (bundled alone, above) and
// RE2JS, whose one CommonJS file is required from node_modules at the first pattern compiled.
// Inside the bundle their 480 KB of source would be parsed at every start and held in the heap.
const zod = wrote(
  await build({
    stdin: {
      contents:
        `export { ${zodFunctionsCalled().join(', ')} } from 'zod/mini';\n` +
        "export { safeParse } from 'zod/v4/core';\n",
      resolveDir: root,
      sourcefile: 'server-zod.js',
    },
    outdir,
    entryNames: `${prefix}server-zod-[hash]`,
    outExtension: { '.js': '.cjs' },
    bundle: true,
    format: 'cjs',
    ...forNode,
    plugins: [englishOnlyZod],
    metafile: true,
  }),
);
serverZod = `./${basename(Object.keys(zod.metafile.outputs).find((path) => path.endsWith('.cjs')))}`;
// No require banner: the files become CommonJS below, where require is the module's own.
const server = await bundle(
  'server',
  'src/cli/server-main.ts',
  [zodAtFirstValidation, pinoWithoutThreadsUntilUsed, assertAtFirstFailure],
  [serverZod, 're2js'],
  '',
);
// Each of its files becomes a .cjs file, with its map.
wrote(server, (file) => file.replace(/\.js(\.map)?$/, '.cjs$1'));
await asCommonJs(Object.keys(server.metafile.outputs).filter((path) => path.endsWith('.js')));
await writeServerCodeCache();
removeOlderBuilds(outdir, prefix, written, before);

// The launcher replaces tsc's main.js (and its map, which no longer matches). command-table.js
// is tsc's: it imports nothing at run time, so deciding costs one small file.
writeFileSync(
  join(outdir, 'main.js'),
  `#!/usr/bin/env node
// Written by scripts/build-cli.mjs: \`faultline server\` runs its own bundle, every other command the CLI's.
import { fileURLToPath } from 'node:url';
import { runsServer } from './command-table.js';

if (runsServer(process.argv.slice(2)))
  (await import('./cached-script.js')).runBundleFile(fileURLToPath(new URL('./${prefix}server.cjs', import.meta.url)));
else await import('./${prefix}cli.js');
`,
);
rmSync(join(outdir, 'main.js.map'), { force: true });

// The bin (package.json) is the same launcher as CommonJS. Node runs a .js file of this package
// ("type": "module") through its ES module loader, whose start (the loader, the fs/promises,
// readline and file watchers it requires, then resolving, reading and compiling each module
// without a code cache) was about 30 profiled ms of a server's CPU and 0.7 MB of RSS; a .cjs
// file runs through require. The command table and the code-cache loader are bundled into it;
// the command modules the table imports stay where they are, and every command but `server`
// imports the CLI's bundle as main.js does.
await build({
  stdin: {
    contents:
      "import { join } from 'node:path';\n" +
      "import { runsServer } from './command-table.js';\n\n" +
      'if (runsServer(process.argv.slice(2)))\n' +
      `  require('./cached-script.js').runBundleFile(join(__dirname, './${prefix}server.cjs'));\n` +
      `else import('./${prefix}cli.js');\n`,
    resolveDir: outdir,
    sourcefile: 'launcher.js',
  },
  outfile: join(outdir, 'main.cjs'),
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  define: { 'import.meta.url': '__faultlineModuleUrl' },
  banner: {
    js:
      '#!/usr/bin/env node\n' +
      "// Written by scripts/build-cli.mjs: `faultline server` runs its own bundle, every other command the CLI's.\n" +
      'var __faultlineModuleUrl=require("node:url").pathToFileURL(__filename).href;',
  },
  plugins: [
    {
      name: 'imports-stay-imports',
      setup(bundler) {
        bundler.onResolve({ filter: /.*/ }, (args) =>
          args.kind === 'dynamic-import' ? { path: args.path, external: true } : undefined,
        );
      },
    },
  ],
  logLevel: 'warning',
});
{
  const launcher = readFileSync(join(outdir, 'main.cjs'), 'utf8');
  if (launcher.includes('import.meta') || !launcher.includes(`import("./${prefix}cli.js")`))
    throw new Error('build-cli: main.cjs must import the CLI bundle with import() and use no import.meta');
}

// The server command loads neither the runner nor the system faults (design.md, CLI): check
// what the server bundle loads at start, following static imports.
const outputs = server.metafile.outputs;
const entry = Object.keys(outputs).find((path) => path.endsWith(`/${prefix}server.js`));
const loaded = new Set();
const visit = (path) => {
  if (loaded.has(path) || !outputs[path]) return;
  loaded.add(path);
  for (const imported of outputs[path].imports)
    if (imported.kind === 'import-statement') visit(imported.path);
};
visit(entry);
const inputs = [...loaded].flatMap((path) => Object.keys(outputs[path].inputs));
if (!inputs.some((input) => input.endsWith('src/server/app.ts')))
  throw new Error('build-cli: the walk through what the server bundle loads missed src/server/app.ts');
const forbidden = inputs.filter((input) => /src\/(experiment|system)\//.test(input));
if (forbidden.length) throw new Error(`build-cli: the server bundle loads ${forbidden.join(', ')}`);
// ... nor zod or RE2JS, which load from their own files when first used.
const eager = inputs.filter((input) => /node_modules\/(zod|re2js)\//.test(input));
if (eager.length) throw new Error(`build-cli: the server bundle loads ${eager.join(', ')} at start`);
