import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { makeDirectories } from '../src/system/make-directories.js';
import { tempDirectory } from './helpers.js';

const privateFiles = new URL('../src/system/private-files.js', import.meta.url).href;

test('a ledger directory under /proc is refused, naming the level, rather than spinning for ever', () => {
  // In a child with a time limit: Node's recursive mkdir loops without end there, and a loop
  // in this process would stop the test runner too.
  const script = `import { ensurePrivateDirectory } from ${JSON.stringify(privateFiles)};
try { ensurePrivateDirectory('/proc/faultline-no-such/ledger', 'ledger directory'); } catch (error) { console.log(error.message); }`;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    timeout: 20_000,
  });
  assert.equal(child.signal, null, 'the child had to be killed: it never returned');
  assert.match(
    child.stdout,
    /^cannot use the ledger directory \/proc\/faultline-no-such\/ledger: cannot make the directory \/proc\/faultline-no-such: ENOENT; set XDG_STATE_HOME or FAULTLINE_LEDGER_DIR/,
  );
});

test('every missing level is made with the mode given; existing ones are left as they are', () => {
  const base = tempDirectory('make-directories');
  const deepest = join(base, 'a', 'b', 'c');
  makeDirectories(deepest, 0o700);
  for (const level of [join(base, 'a'), join(base, 'a', 'b'), deepest]) {
    assert.equal(statSync(level).mode & 0o777, 0o700, level);
  }
  makeDirectories(deepest, 0o700);
});

test('a file in the way is said, with the level that could not be made', () => {
  const base = tempDirectory('make-directories');
  writeFileSync(join(base, 'file'), '');
  assert.throws(() => makeDirectories(join(base, 'file', 'below'), 0o700), {
    message: `cannot make the directory ${join(base, 'file', 'below')}: ENOTDIR`,
  });
});
