import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { tempDirectory, waitFor } from './helpers.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const built = join(root, 'dist/src/cli');

/** A hash of esbuild's file names, replaced by another of the same form. */
const HASHED = /^(bundle-server-[a-z0-9-]+-)([A-Z0-9]{8})(\.cjs(?:\.map)?)$/;
const otherHash = (hash: string) => `${hash.slice(1)}${hash[0] === 'Z' ? 'Y' : 'Z'}`;

/**
 * The server bundle of dist as a build whose chunks have other hashes, as after a change of
 * source (git pull): every hashed name changed in the file names and in what names them. No code
 * caches: theirs would run the bytecode of the files before the renaming.
 */
function previousBuild(outdir: string): string[] {
  const renamed = new Map<string, string>();
  for (const file of readdirSync(built)) {
    const match = HASHED.exec(file);
    if (match) renamed.set(file, `${match[1]}${otherHash(match[2]!)}${match[3]}`);
  }
  const files = readdirSync(built).filter((file) => /^bundle-server.*\.cjs(\.map)?$/.test(file));
  for (const file of files) {
    let text = readFileSync(join(built, file), 'utf8');
    for (const [from, to] of renamed) text = text.replaceAll(from, to);
    writeFileSync(join(outdir, renamed.get(file) ?? file), text);
  }
  // What scripts/build-cli.mjs bundles into the launchers it writes.
  for (const file of ['command-table.js', 'cached-script.js'])
    copyFileSync(join(built, file), join(outdir, file));
  return [...renamed.values()];
}

test(
  'a rebuild beside a running server keeps the chunks it loads later: TLS, zod, RE2JS, the ledger',
  { timeout: 120_000 },
  async () => {
    // Beside dist/src/cli, so what the bundle finds relative to itself is found as from there.
    const outdir = mkdtempSync(join(root, 'dist/src/rebuild-'));
    after(() => rmSync(outdir, { recursive: true, force: true }));
    const oldChunks = previousBuild(outdir);
    assert.ok(oldChunks.some((file) => file.startsWith('bundle-server-proxy-tls-')));
    // zod too: a rebuild that wrote it under the same name would give this server another
    // build's zod, exporting what that build's code calls.
    assert.ok(oldChunks.some((file) => file.startsWith('bundle-server-zod-')));

    const state = tempDirectory('rebuild');
    const server = spawn(
      process.execPath,
      [
        join(root, 'scripts/write-code-cache.mjs'),
        join(outdir, 'bundle-server.cjs'),
        'server',
        '--port',
        '0',
        '--proxy-metrics',
      ],
      {
        env: {
          PATH: process.env.PATH ?? '',
          FAULTLINE_CA_DIR: join(state, 'ca'),
          FAULTLINE_LEDGER_DIR: join(state, 'ledger'),
        },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    after(() => {
      if (server.exitCode === null && server.signalCode === null) process.kill(server.pid!, 'SIGKILL');
    });
    let stderr = '';
    server.stderr.on('data', (chunk) => (stderr += chunk));
    await waitFor(() => /listening on http:\/\/\S+/.test(stderr), 'the server to listen', 30_000);
    const url = /listening on (http:\/\/\S+)/.exec(stderr)![1]!;

    // The build's chunk-writing step, into the server's directory.
    const rebuild = spawn(process.execPath, [join(root, 'scripts/build-cli.mjs'), '--outdir', outdir], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let rebuildErr = '';
    rebuild.stderr.on('data', (chunk) => (rebuildErr += chunk));
    const [code] = await once(rebuild, 'close');
    assert.equal(code, 0, rebuildErr);

    const api = async (method: string, path: string, body?: object) => {
      const response = await fetch(url + path, {
        method,
        headers: { 'User-Agent': 'faultline-test' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: response.status, text: await response.text() };
    };
    const tls = await api('POST', '/proxies', {
      name: 'tls',
      listen: '127.0.0.1:0',
      upstream: '127.0.0.1:9',
      tls: { auto: true },
    });
    assert.equal(tls.status, 201, tls.text);
    const web = await api('POST', '/proxies', {
      name: 'web',
      listen: '127.0.0.1:0',
      upstream: '127.0.0.1:9',
      protocol: 'http',
    });
    assert.equal(web.status, 201, web.text);
    const toxic = await api('POST', '/proxies/web/toxics', {
      type: 'http_abort',
      attributes: { status: 503, match: { path_regex: '^/a/[0-9]+$' } },
    });
    assert.equal(toxic.status, 200, toxic.text);
    const ledger = await api('GET', '/ledger');
    assert.equal(ledger.status, 200, ledger.text);

    // A chunk gone anyway (npm install of another version) says to restart the server.
    const metrics = oldChunks.find((file) => /^bundle-server-metrics-.*\.cjs$/.test(file))!;
    rmSync(join(outdir, metrics));
    const gone = await api('GET', '/metrics');
    assert.equal(gone.status, 500, gone.text);
    const answer = JSON.parse(gone.text) as { error: string; hint: string };
    assert.equal(
      answer.error,
      `${join(outdir, metrics)} is gone: faultline's files changed under the running server (an upgrade or a rebuild): restart the server`,
    );
    assert.match(answer.hint, /removed after it started; the files now installed run once it restarts$/);

    // The files of the build before the server's go at the next build: two builds at most.
    assert.ok(oldChunks.every((file) => file === metrics || existsSync(join(outdir, file))));
    const { removeOlderBuilds } = (await import(
      new URL('../../scripts/previous-build-files.mjs', import.meta.url).href
    )) as {
      removeOlderBuilds: (outdir: string, prefix: string, written: string[], before: string[]) => string[];
    };
    const current = JSON.parse(readFileSync(join(outdir, 'build-cli-files.json'), 'utf8')) as string[];
    removeOlderBuilds(outdir, 'bundle-', current, []);
    assert.deepEqual(
      oldChunks.filter((file) => existsSync(join(outdir, file))),
      [],
    );
    assert.ok(current.every((file) => existsSync(join(outdir, file))));
  },
);
