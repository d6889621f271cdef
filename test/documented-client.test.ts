import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'faultline-client-doc-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** The first js block after a heading of docs/cli.md. */
function exampleUnder(heading: string): string {
  const text = readFileSync(join(root, 'docs/cli.md'), 'utf8');
  const start = text.indexOf(`\n${heading}\n`);
  assert.ok(start >= 0, `docs/cli.md has "${heading}"`);
  const block = /```js\n([\s\S]*?)```/.exec(text.slice(start));
  assert.ok(block, `a js block under "${heading}"`);
  return block[1]!;
}

test('the test file in docs/cli.md "A server per test file" runs as written against the package', async () => {
  // A project with faultline installed: imports resolve through package.json "exports".
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(root, join(dir, 'node_modules', 'faultline'), 'dir');
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
  writeFileSync(join(dir, 'db.test.js'), exampleUnder('### A server per test file'));
  const result = await new Promise<{ code: number; stdout: string }>((resolve) => {
    execFile(
      process.execPath,
      ['--test', 'db.test.js'],
      // Without the parent runner's NODE_TEST_CONTEXT, the child reports as a test run of its own.
      { cwd: dir, timeout: 60_000, env: { ...process.env, NODE_TEST_CONTEXT: undefined } },
      (error, stdout) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout }),
    );
  });
  assert.equal(result.code, 0, result.stdout);
  assert.match(result.stdout, /# pass 1\n/);
});
