import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { STALE_AFTER_MS } from '../src/system/ca-temporaries.js';
import { openLocalCa } from '../src/system/local-ca.js';
import { tempDirectory } from './helpers.js';

const privateFiles = new URL('../src/system/private-files.js', import.meta.url).href;

/**
 * A process that starts writing the CA key's temporary file, as openLocalCa does, says its name,
 * and is killed before it links it into place: what a server killed while making the CA leaves.
 */
async function killedWhileWriting(directory: string): Promise<string> {
  const script = `
    import { writeFileSync } from 'node:fs';
    const { besidePath } = await import(${JSON.stringify(privateFiles)});
    const path = besidePath(${JSON.stringify(join(directory, 'ca-key.pem'))});
    writeFileSync(path, '-----BEGIN PRIVATE KEY-----\\npart', { mode: 0o600 });
    process.stdout.write(path + '\\n');
    setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [line] = (await once(child.stdout, 'data')) as [Buffer];
  process.kill(child.pid!, 'SIGKILL');
  await once(child, 'exit');
  return line.toString().trim();
}

test('a start removes the temporary CA files a killed start left, and nothing else', async () => {
  const directory = join(tempDirectory('ca-leftovers'), 'ca');
  const ca = await openLocalCa(directory);
  const key = readFileSync(join(directory, 'ca-key.pem'), 'utf8');

  const killed = await killedWhileWriting(directory);
  assert.ok(existsSync(killed), 'the killed writer left its file');
  const old = join(directory, '.ca.pem.0123456789ab');
  writeFileSync(old, 'an older release named no process');
  const longAgo = (Date.now() - STALE_AFTER_MS - 60_000) / 1000;
  utimesSync(old, longAgo, longAgo);
  // A start under way right now (this process) keeps its file, as does anything not named so.
  const writing = join(directory, `.ca.pem.${process.pid}.ba98765432dc`);
  writeFileSync(writing, 'being written');
  writeFileSync(join(directory, '.ca.pem.notes'), 'the user’s');
  writeFileSync(join(directory, 'ca-key.pem.0123456789ab'), 'no leading dot: not ours');
  symlinkSync(join(directory, 'ca-key.pem'), join(directory, '.ca-key.pem.1.fedcba987654'));

  const again = await openLocalCa(directory);
  assert.equal(again.fingerprint, ca.fingerprint);
  assert.equal(readFileSync(join(directory, 'ca-key.pem'), 'utf8'), key, 'the key is untouched');
  assert.deepEqual(readdirSync(directory).sort(), [
    '.ca-key.pem.1.fedcba987654',
    `.ca.pem.${process.pid}.ba98765432dc`,
    '.ca.pem.notes',
    'ca-key.pem',
    'ca-key.pem.0123456789ab',
    'ca.pem',
  ]);
});

test('a CA made in a directory with a killed start’s leftovers is made as usual, and they are gone', async () => {
  const directory = join(tempDirectory('ca-leftovers-first'), 'ca');
  mkdirSync(directory, { recursive: true, mode: 0o700 });
  const killed = await killedWhileWriting(directory);
  const ca = await openLocalCa(directory);
  assert.equal(existsSync(killed), false);
  assert.match(ca.fingerprint, /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  assert.deepEqual(readdirSync(directory).sort(), ['ca-key.pem', 'ca.pem']);
});
