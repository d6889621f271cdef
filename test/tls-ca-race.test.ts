import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createPrivateKey, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { openLocalCa } from '../src/system/local-ca.js';
import { tempDirectory } from './helpers.js';

/** Servers started for the first time at once each make the CA; they must end with one and the same. */

const localCaModule = fileURLToPath(new URL('../src/system/local-ca.js', import.meta.url));

function expectOneCa(directory: string, fingerprints: string[]): void {
  assert.equal(new Set(fingerprints).size, 1, `one CA for all: ${fingerprints.join(' ')}`);
  const certificate = new X509Certificate(readFileSync(join(directory, 'ca.pem')));
  assert.equal(certificate.fingerprint256, fingerprints[0]);
  assert.ok(certificate.checkPrivateKey(createPrivateKey(readFileSync(join(directory, 'ca-key.pem')))));
  assert.equal(statSync(join(directory, 'ca-key.pem')).mode & 0o777, 0o600);
  assert.deepEqual(readdirSync(directory).sort(), ['ca-key.pem', 'ca.pem'], 'no temporary file is left');
}

test('a key found without its certificate, as while another process makes the CA, gets the certificate made for it', async () => {
  const directory = join(tempDirectory('ca-half'), 'ca');
  mkdirSync(directory, { mode: 0o700 });
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' });
  writeFileSync(join(directory, 'ca-key.pem'), keyPem, { mode: 0o600 });
  const ca = await openLocalCa(directory);
  expectOneCa(directory, [ca.fingerprint]);
  assert.equal(readFileSync(join(directory, 'ca-key.pem'), 'utf8'), keyPem, 'the key found is kept');
});

test('CAs opened at once in one process are one CA', async () => {
  const directory = join(tempDirectory('ca-together'), 'ca');
  const opened = await Promise.all([1, 2, 3, 4].map(() => openLocalCa(directory)));
  expectOneCa(
    directory,
    opened.map((ca) => ca.fingerprint),
  );
});

test('processes that make the CA at once all end with the same one', async (t) => {
  const directory = join(tempDirectory('ca-processes'), 'ca');
  const script = `
    const { openLocalCa } = await import(${JSON.stringify(localCaModule)});
    process.stdout.write('ready\\n');
    process.stdin.once('data', async () => {
      const ca = await openLocalCa(${JSON.stringify(directory)});
      process.stdout.write(ca.fingerprint + '\\n');
      process.exit(0);
    });`;
  const children = [1, 2, 3, 4].map(() => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    t.after(() => child.kill('SIGKILL'));
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    const ready = new Promise<void>((resolve) => {
      child.stdout.on('data', () => output.includes('ready\n') && resolve());
    });
    const done = new Promise<string>((resolve, reject) =>
      child.on('exit', (code) =>
        code === 0
          ? resolve(output.split('\n')[1] ?? '')
          : reject(new Error(`child exit ${code}: ${output}`)),
      ),
    );
    return { child, ready, done };
  });
  await Promise.all(children.map(({ ready }) => ready));
  for (const { child } of children) child.stdin.write('go\n');
  expectOneCa(directory, await Promise.all(children.map(({ done }) => done)));
});
