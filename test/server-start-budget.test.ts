import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { spawnCollecting, tempDirectory, waitFor } from './helpers.js';

/**
 * What `faultline server` costs at start, measured on the bin (dist/src/cli/main.cjs, the server's
 * bundle from scripts/build-cli.mjs) by the time it has answered GET /version. test/lazy-commands
 * checks which modules load; this file checks how much start-up runs, against budgets written
 * here, so a change that makes every idle server bigger fails a test instead of a bench.
 */

const root = fileURLToPath(new URL('../../', import.meta.url));
const bin = fileURLToPath(new URL('../src/cli/main.cjs', import.meta.url));

type Output = () => { stdout: string; stderr: string };

/**
 * Starts `script` (the bin) as `server --port 0` with these node flags and env, asks it GET
 * /version, runs `measure` and stops it; answers what it printed until then.
 */
async function startAndAskVersion(
  nodeFlags: string[],
  env: Record<string, string>,
  script = bin,
  measure: (child: ChildProcess, output: Output) => Promise<void> = async () => {},
) {
  const { child, done, output } = spawnCollecting(
    process.execPath,
    [...nodeFlags, script, 'server', '--port', '0', '--log-level', 'warn'],
    env,
  );
  await waitFor(() => output().stderr.includes('listening on'), 'the server to listen', 30_000);
  const url = /listening on (http:\/\/\S+)/.exec(output().stderr)![1]!;
  const version = await fetch(`${url}/version`);
  assert.equal(version.status, 200, await version.text());
  await measure(child, output);
  // What the server printed up to here, before SIGTERM's shutdown runs code of its own.
  const answered = output();
  process.kill(child.pid!, 'SIGTERM');
  await done;
  return answered;
}

describe("the server's start-up stays within its budget", () => {
  test('it runs at most 700 KB of its bundle’s JavaScript by the time it answers /version', async () => {
    // cached-script.ts names each file of the bundle it runs under NODE_DEBUG=module.
    const { stderr } = await startAndAskVersion([], { NODE_DEBUG: 'module' });
    const files = [...stderr.matchAll(/load "([^"]+)" with V8 code cache \w+/g)].map(([, file]) => file!);
    assert.ok(
      files.some((file) => file.endsWith('/bundle-server.cjs')),
      `the recording works: it saw the server bundle run\n${stderr}`,
    );
    const sizes = files.map((file) => ({
      file: file.slice(file.lastIndexOf('/') + 1),
      bytes: statSync(file).size,
    }));
    const total = sizes.reduce((sum, { bytes }) => sum + bytes, 0);
    // 571 KB in 19 files when this was written. zod's 300 KB (loaded at the first body validated)
    // or the runner's modules on the start path would pass 700 KB: every byte run at start is
    // parsed or deserialized, and kept, by every idle server.
    assert.ok(
      total <= 700_000,
      `the server ran ${total} bytes of JS at start:\n${JSON.stringify(sizes, null, 1)}`,
    );
  });

  test('installed under a long directory, it has not started V8’s optimizing compiler by the time it answers /version', async () => {
    // TurboFan, at its first use, pages in some 3.5 MB of node's own code and mallocs its work
    // memory: an idle server that ran it once holds 4.5 MB more RSS. A start-up reaches it when a
    // function runs hot, and the server's start ran near that edge with path's normalizeString:
    // two chunks more on the start path (metrics.ts importing a value from address-bytes.ts) or a
    // longer install directory tipped it (idle RSS 51 -> 55.6 MB, docs/performance.md). So the
    // server runs here from a path of some 200 characters, through a symlink kept as its path.
    // --trace-opt would say which function, but a V8 flag makes V8 reject the build's code cache;
    // V8's peak of malloced memory (190 KB when this was written, 830 KB with TurboFan's zone) is
    // read from a preload instead, which answers SIGUSR2.
    const directory = tempDirectory('start-budget');
    const installed = join(directory, `installed-under-a-long-directory-${'x'.repeat(120)}`);
    symlinkSync(root, installed);
    const preload = join(directory, 'v8-peak.cjs');
    writeFileSync(
      preload,
      "process.on('SIGUSR2', () => process.stderr.write(`V8 ${JSON.stringify(require('v8').getHeapStatistics())}\\n`));\n",
    );
    const flags = ['--preserve-symlinks', '--preserve-symlinks-main', '--require', preload];
    const { stderr } = await startAndAskVersion(
      flags,
      { NODE_DEBUG: 'module' },
      join(installed, relative(root, bin)),
      async (child, output) => {
        process.kill(child.pid!, 'SIGUSR2');
        await waitFor(() => output().stderr.includes('V8 {'), 'the preload to answer SIGUSR2');
      },
    );
    assert.deepEqual(
      [...stderr.matchAll(/load "([^"]+)" with V8 code cache (\w+)/g)].filter(
        ([, , cache]) => cache !== 'accepted',
      ),
      [],
      'it ran from the long directory with the build’s code caches',
    );
    assert.ok(stderr.includes(`load "${installed}/`), stderr);
    const heap = JSON.parse(/^V8 (\{.*\})$/m.exec(stderr)![1]!) as { peak_malloced_memory: number };
    assert.ok(
      heap.peak_malloced_memory <= 400_000,
      `V8 malloced up to ${heap.peak_malloced_memory} bytes by the first answer, over the 400,000 budget: ` +
        'it compiled something with TurboFan at start (node --trace-opt dist/src/cli/main.cjs server names it, ' +
        'though that flag makes the code cache rejected; path work per loaded chunk did it once, see cached-script.ts)',
    );
  });
});
