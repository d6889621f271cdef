// Bundles the CLI (src/cli/main.ts and, split into chunks, every command it imports lazily,
// with the packages they use) over tsc's dist/src/cli/main.js. Loading zod, pino, find-my-way
// and commander as a few minified chunks instead of some 150 module files is what brings the
// server's start-up and idle memory down (see README, Performance); bundling our own modules
// alone changed neither. tsc's output stays in dist/src: the library exports, the tests and
// worker threads use it, and a tsc-only build leaves a main.js that works the same, only slower.
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist/src/cli');
const chunkPrefix = 'bundle-';

for (const file of readdirSync(outdir)) {
  if (file.startsWith(chunkPrefix)) rmSync(join(outdir, file));
}

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
    bundler.onLoad({ filter: /[\\/]node_modules[\\/]zod[\\/]v4[\\/]locales[\\/]index\.js$/ }, () => ({
      contents: 'export { default as en } from "./en.js";',
      loader: 'js',
    }));
  },
};

const result = await build({
  entryPoints: [join(root, 'src/cli/main.ts')],
  outdir,
  chunkNames: `${chunkPrefix}[name]-[hash]`,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  minify: true,
  // Error and class names stay readable in messages and stack traces.
  keepNames: true,
  // For node --enable-source-maps; replaces tsc's map of main.js, which no longer matches it.
  sourcemap: 'linked',
  sourcesContent: false,
  // CommonJS packages inside an ES module bundle still call require for Node's own modules.
  banner: {
    js: "import { createRequire as faultlineRequire } from 'node:module'; const require = faultlineRequire(import.meta.url);",
  },
  plugins: [ownImportMetaUrl, englishOnlyZod],
  metafile: true,
  logLevel: 'warning',
});

// The server command must load neither the runner nor the system faults (design.md, CLI).
const serverChunk = Object.entries(result.metafile.outputs).find(([, output]) =>
  Object.keys(output.inputs).some((input) => input.endsWith('src/cli/server-command.ts')),
);
if (!serverChunk) throw new Error('build-cli: no chunk holds src/cli/server-command.ts');
const reachable = new Set();
const visit = (path) => {
  if (reachable.has(path)) return;
  reachable.add(path);
  for (const imported of result.metafile.outputs[path]?.imports ?? [])
    if (imported.kind === 'import-statement') visit(imported.path);
};
visit(serverChunk[0]);
visit(relative(process.cwd(), join(outdir, 'main.js')).split(sep).join('/'));
const serverInputs = [...reachable].flatMap((path) =>
  Object.keys(result.metafile.outputs[path]?.inputs ?? {}),
);
if (
  !serverInputs.some((input) => input.endsWith('src/server/app.ts')) ||
  !serverInputs.some((input) => input.endsWith('src/cli/main.ts'))
)
  throw new Error('build-cli: the walk through the chunks the server command loads missed main.ts or app.ts');
const forbidden = serverInputs.filter((input) => /src\/(experiment|system)\//.test(input));
if (forbidden.length) throw new Error(`build-cli: the server command's chunks load ${forbidden.join(', ')}`);
