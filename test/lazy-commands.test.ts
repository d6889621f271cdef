import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, test } from 'node:test';
import type { Command } from 'commander';
import { commandTable, runsServer } from '../src/cli/command-table.js';
import { runCli, spawnCli, tempDirectory, waitFor } from './helpers.js';

/** NODE_OPTIONS that make the child print every module it resolves, as "LOADED <url>" on stderr. */
function recordingLoads(): Record<string, string> {
  const directory = tempDirectory('lazy');
  const hooks = join(directory, 'hooks.mjs');
  writeFileSync(
    hooks,
    'export async function resolve(specifier, context, next) {\n' +
      '  const resolved = await next(specifier, context);\n' +
      '  process.stderr.write(`LOADED ${resolved.url}\\n`);\n' +
      '  return resolved;\n' +
      '}\n',
  );
  const register = join(directory, 'register.mjs');
  writeFileSync(
    register,
    `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`,
  );
  return { NODE_OPTIONS: `--import ${pathToFileURL(register).href}` };
}

const root = fileURLToPath(new URL('../../', import.meta.url));

/** The files the child resolved, as paths from the package root. */
const resolvedFiles = (stderr: string) =>
  stderr
    .split('\n')
    .filter((line) => line.startsWith('LOADED file:'))
    .map((line) => fileURLToPath(line.slice('LOADED '.length)).slice(root.length));

/**
 * The files of the server's CommonJS bundle the child ran through cached-script.ts, which names
 * each under NODE_DEBUG=module with what became of its code cache.
 */
const bundleFilesRun = (stderr: string) =>
  [...stderr.matchAll(/load "([^"]+)" with V8 code cache (\w+)/g)].map(([, path, codeCache]) => ({
    file: path!.slice(root.length),
    codeCache: codeCache!,
  }));

/**
 * What the child loaded, as paths from the package root: each file it resolved or ran from the
 * server's bundle, and for a file of the CLI's bundles (scripts/build-cli.mjs) every source its
 * source map names instead, so the same checks hold whether main.js is tsc's or the bundle's
 * launcher. The server's bundle shows only with NODE_DEBUG=module.
 */
const loaded = (stderr: string) =>
  [
    ...stderr
      .split('\n')
      .filter((line) => line.startsWith('LOADED file:'))
      .map((line) => fileURLToPath(line.slice('LOADED '.length))),
    ...bundleFilesRun(stderr).map(({ file }) => join(root, file)),
  ].flatMap((path) => {
    const map = `${path}.map`;
    if (!/[\\/]bundle-[^\\/]*\.c?js$/.test(path) || !existsSync(map)) return [path.slice(root.length)];
    const { sources } = JSON.parse(readFileSync(map, 'utf8')) as { sources: string[] };
    return sources.map((source) => resolve(join(path, '..'), source).slice(root.length));
  });

describe('each command loads only its own modules', () => {
  test('the server loads neither the runner, the system faults, in-process nor browser faults', async () => {
    const server = spawnCli(['server', '--port', '0', '--log-level', 'warn'], {
      ...recordingLoads(),
      NODE_DEBUG: 'module',
    });
    await waitFor(() => server.output().stderr.includes('listening on'), 'the server to listen', 30_000);
    process.kill(server.child.pid!, 'SIGTERM');
    const { stderr } = await server.done;
    const modules = loaded(stderr);
    assert.ok(
      modules.some((path) => /^(dist\/)?src\/server\/app\.(js|ts)$/.test(path)),
      'the recording works: it saw the control API load',
    );
    assert.deepEqual(
      modules.filter((path) => /^(dist\/)?src\/(experiment|system|inject|browser)\//.test(path)),
      [],
    );
    assert.deepEqual(
      modules.filter((path) => /^node_modules\/(yaml|prom-client|undici|playwright-core)\//.test(path)),
      [],
    );
  });

  test('the server reads zod at the first body it validates and RE2JS at the first pattern, not at start', async () => {
    // NODE_DEBUG=module names each file require() loads; the resolve hook sees only imports.
    const server = spawnCli(['server', '--port', '0', '--log-level', 'warn'], {
      ...recordingLoads(),
      NODE_DEBUG: 'module',
    });
    await waitFor(() => server.output().stderr.includes('listening on'), 'the server to listen', 30_000);
    const url = /listening on (http:\/\/\S+)/.exec(server.output().stderr)![1]!;
    const required = (file: RegExp) => new RegExp(`load "[^"]*${file.source}"`).test(server.output().stderr);
    const zod = /dist\/src\/cli\/bundle-server-zod-[A-Z0-9]{8}\.cjs/;
    const re2js = /node_modules\/re2js\/build\/index\.cjs/;
    assert.deepEqual(
      loaded(server.output().stderr).filter((path) => /^node_modules\/(zod|re2js)\//.test(path)),
      [],
    );
    assert.equal(required(zod), false);
    assert.equal(required(re2js), false);
    await (await fetch(`${url}/version`)).text();
    assert.equal(required(zod), false, 'GET /version validates no body');

    const created = await fetch(`${url}/proxies`, {
      method: 'POST',
      body: JSON.stringify({ name: 'web', listen: '127.0.0.1:0', upstream: '127.0.0.1:9', protocol: 'http' }),
    });
    assert.equal(created.status, 201, await created.text());
    assert.equal(required(zod), true);
    assert.equal(required(re2js), false);

    const refused = await fetch(`${url}/proxies/web/toxics`, {
      method: 'POST',
      body: JSON.stringify({
        type: 'http_abort',
        attributes: { status: 503, match: { path_regex: '^/a(b' } },
      }),
    });
    assert.equal(refused.status, 400);
    assert.match(
      ((await refused.json()) as { error: string }).error,
      /^match\.path_regex of http_abort toxic "http_abort_downstream": invalid pattern "\^\/a\(b": error parsing regexp: missing closing \)/,
    );
    assert.equal(required(re2js), true);
    process.kill(server.child.pid!, 'SIGTERM');
    await server.done;
  });

  test('--version loads no command', async () => {
    const { code, stdout, stderr } = await runCli(['--version'], recordingLoads());
    const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    assert.equal(code, 0);
    assert.equal(stdout, `faultline ${manifest.version} (Toxiproxy API 2.12.0)\n`);
    const modules = loaded(stderr);
    assert.ok(
      modules.some((path) => /^(dist\/)?src\/cli\/command-table\.(js|ts)$/.test(path)),
      'the recording works: it saw the command table load',
    );
    assert.deepEqual(
      modules.filter((path) => /^(dist\/)?src\/cli\/[a-z-]+-commands?\.(js|ts)$/.test(path)),
      [],
    );
  });

  test('every entry of the command table answers to exactly its command’s name and aliases', async () => {
    const program = (): Command => assert.fail('no command may need the program while it is built');
    for (const entry of commandTable) {
      const command = entry.names.includes('completion')
        ? await entry.load(() => ({}) as Command)
        : await entry.load(program);
      assert.deepEqual([command.name(), ...command.aliases()], entry.names);
    }
  });

  test('only arguments that run the server alone choose its bundle', () => {
    assert.equal(runsServer(['server', '--port', '0']), true);
    assert.equal(runsServer(['-h', 'http://127.0.0.1:1', 'server']), true);
    assert.equal(runsServer(['server', '--help']), true);
    assert.equal(runsServer(['list']), false);
    assert.equal(runsServer(['--version']), false);
    assert.equal(runsServer(['help', 'server']), false);
    assert.equal(runsServer(['--help']), false);
    assert.equal(runsServer([]), false);
  });

  test('npm run build makes `faultline server` run its own bundle and other commands the CLI bundle', async () => {
    const server = spawnCli(['server', '--port', '0', '--log-level', 'warn'], {
      ...recordingLoads(),
      NODE_DEBUG: 'module',
    });
    await waitFor(() => server.output().stderr.includes('listening on'), 'the server to listen', 30_000);
    process.kill(server.child.pid!, 'SIGTERM');
    const { stderr } = await server.done;
    assert.ok(
      bundleFilesRun(stderr).some(({ file }) => file === 'dist/src/cli/bundle-server.cjs'),
      stderr,
    );
    assert.equal(resolvedFiles(stderr).includes('dist/src/cli/bundle-cli.js'), false);
    const version = (await runCli(['--version'], { ...recordingLoads(), NODE_DEBUG: 'module' })).stderr;
    assert.ok(resolvedFiles(version).includes('dist/src/cli/bundle-cli.js'), version);
    assert.deepEqual(bundleFilesRun(version), []);
  });

  test('the server starts from V8’s code cache of every file it runs at start-up, written by the build', async () => {
    const server = spawnCli(['server', '--port', '0', '--log-level', 'warn'], { NODE_DEBUG: 'module' });
    await waitFor(() => server.output().stderr.includes('listening on'), 'the server to listen', 30_000);
    const url = /listening on (http:\/\/\S+)/.exec(server.output().stderr)![1]!;
    assert.equal((await fetch(`${url}/version`)).status, 200);
    process.kill(server.child.pid!, 'SIGTERM');
    const run = bundleFilesRun((await server.done).stderr);
    assert.equal(run[0]?.file, 'dist/src/cli/bundle-server.cjs');
    assert.ok(run.length >= 5, JSON.stringify(run));
    assert.deepEqual(
      run.filter(({ codeCache }) => codeCache !== 'accepted'),
      [],
      'a file whose cache is missing or rejected compiles from source at every start',
    );
  });
});
