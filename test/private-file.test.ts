import assert from 'node:assert/strict';
import {
  existsSync,
  linkSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { withLogFile, silentLog } from '../src/experiment/console.js';
import { checkJournalPath, writePrivateFile } from '../src/experiment/private-file.js';

/**
 * Journals, reports and logs are written as root into shared directories: a link another user
 * planted at the path must never make faultline write, create or chmod the file it points to.
 */
const directory = mkdtempSync(join(tmpdir(), 'faultline-private-file-'));
after(() => rmSync(directory, { recursive: true, force: true }));

function victim(name: string): string {
  const path = join(directory, name);
  writeFileSync(path, 'precious\n', { mode: 0o644 });
  return path;
}

test('a journal or report path that is a symbolic link is refused; the file it points to is untouched', async () => {
  const target = victim('shadow');
  const planted = join(directory, 'journal.json');
  symlinkSync(target, planted);
  await assert.rejects(checkJournalPath(planted), /journal.*symbolic link.*--journal-path/);
  await assert.rejects(writePrivateFile(planted, '{}\n', '--journal-path'), /symbolic link.*--journal-path/);
  assert.equal(readFileSync(target, 'utf8'), 'precious\n');
  assert.equal(statSync(target).mode & 0o777, 0o644, 'the target was not chmodded');
});

test('a dangling symbolic link at the journal path creates no file where it points', async () => {
  const nowhere = join(directory, 'created-by-root');
  const planted = join(directory, 'dangling.json');
  symlinkSync(nowhere, planted);
  await assert.rejects(checkJournalPath(planted), /symbolic link/);
  assert.equal(existsSync(nowhere), false);
});

test('an existing journal is replaced by a new 0600 file, not written through', async () => {
  const path = victim('journal-old.json');
  const shared = join(directory, 'journal-hardlink.json');
  linkSync(path, shared);
  await checkJournalPath(shared);
  await writePrivateFile(shared, '{"new":true}\n');
  assert.equal(readFileSync(shared, 'utf8'), '{"new":true}\n');
  assert.equal(statSync(shared).mode & 0o777, 0o600);
  assert.equal(readFileSync(path, 'utf8'), 'precious\n', 'the other name of the old file kept its text');
});

test('a log file that is a symbolic link or a hard link is refused; a new one is made 0600 and appended to', () => {
  const target = victim('passwd');
  const planted = join(directory, 'chaostoolkit.log');
  symlinkSync(target, planted);
  assert.throws(() => withLogFile(silentLog, planted), /symbolic link.*--log-file/);
  const hardLinked = join(directory, 'hard.log');
  linkSync(target, hardLinked);
  assert.throws(() => withLogFile(silentLog, hardLinked), /2 names \(hard links\)/);
  assert.equal(readFileSync(target, 'utf8'), 'precious\n');

  const fresh = join(directory, 'fresh.log');
  const log = withLogFile(silentLog, fresh);
  log.info('first');
  log.info('second');
  assert.match(readFileSync(fresh, 'utf8'), /INFO\] first\n.*INFO\] second\n$/);
  assert.equal(statSync(fresh).mode & 0o777, 0o600);
});
