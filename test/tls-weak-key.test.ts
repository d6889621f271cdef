import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import type { EngineEvent } from '../src/model/events.js';
import { runCli, startHarness, startHttpApp, tempDirectory, waitFor } from './helpers.js';

const run = promisify(execFile);
const directory = tempDirectory('tls-weak-key');

/** A self-signed certificate for IP 127.0.0.1 (in subjectAltName) with a key openssl makes from `newkey`. */
async function certificateFor(newkey: string, name: string) {
  const key = join(directory, `${name}.key`);
  const cert = join(directory, `${name}.pem`);
  await run('openssl', [
    'req',
    '-x509',
    '-newkey',
    newkey,
    '-nodes',
    '-days',
    '1',
    '-subj',
    '/CN=127.0.0.1',
    '-addext',
    'subjectAltName=IP:127.0.0.1',
    '-keyout',
    key,
    '-out',
    cert,
  ]);
  return { path: cert, cert: readFileSync(cert, 'utf8'), key: readFileSync(key, 'utf8') };
}

const WEAK_WARNING =
  'proxy "weak": tls.cert has an RSA key of 1024 bits (CN=127.0.0.1), below OpenSSL\'s default security level 2 (RSA and DSA keys of 2048 bits or more, elliptic curves of 224 bits or more): curl, openssl s_client and Python refuse it (curl exit 60, "EE certificate key too weak", or "CA certificate key too weak" for an intermediate), though Node accepts it; give a certificate with an RSA key of 2048 bits or more or an EC key (openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 ...), or use tls.auto';

test('a certificate with a 1024-bit RSA key is served with a warning, and a refusal says the key is why', async () => {
  const harness = await startHarness();
  const failures: Extract<EngineEvent, { type: 'tls.failed' }>[] = [];
  harness.engine.events.on((event) => {
    if (event.type === 'tls.failed') failures.push(event);
  });
  const app = await startHttpApp((_request, response) => response.end('reached'));
  const weak = await certificateFor('rsa:1024', 'weak');
  const created = await harness.api('POST', '/proxies', {
    name: 'weak',
    listen: '127.0.0.1:0',
    upstream: new URL(app.origin).host,
    protocol: 'http',
    tls: { cert: weak.cert, key: weak.key },
  });
  assert.equal(created.status, 201, created.text);
  // Before, the proxy was created without a word, and curl's refusal was put down to the name or the CA.
  assert.equal(created.headers.get('warning'), `299 faultline ${JSON.stringify(WEAK_WARNING)}`);

  const port = Number(created.json.listen.split(':').pop());
  const refused = await run('curl', ['-sS', '--cacert', weak.path, `https://127.0.0.1:${port}/`]).then(
    () => 0,
    (error: { code: number }) => error.code,
  );
  assert.equal(refused, 60, 'curl refuses the key as too weak');
  await waitFor(() => failures.length === 1, "the client's refusal reported");
  assert.match(
    failures[0]?.error ?? '',
    /^the client refused the proxy's certificate \(sslv3 alert bad certificate\), which has an RSA key of 1024 bits \(CN=127\.0\.0\.1\): clients at OpenSSL's default security level refuse keys that small/,
  );
  await harness.close();
});

test('certificates with a 2048-bit RSA key or a P-256 key get no warning', async () => {
  const harness = await startHarness();
  for (const [name, newkey] of [
    ['rsa2048', 'rsa:2048'],
    ['p256', 'ec:' + join(directory, 'p256.params')],
  ] as const) {
    if (name === 'p256')
      await run('openssl', ['ecparam', '-name', 'prime256v1', '-out', join(directory, 'p256.params')]);
    const pair = await certificateFor(newkey, name);
    const created = await harness.api('POST', '/proxies', {
      name,
      listen: '127.0.0.1:0',
      upstream: '127.0.0.1:9',
      tls: { cert: pair.cert, key: pair.key },
    });
    assert.equal(created.status, 201, created.text);
    assert.equal(created.headers.get('warning'), null, name);
  }
  await harness.close();
});

test("faultline apply --dry-run prints the weak-key warning the server would give, and apply prints the server's", async () => {
  const harness = await startHarness();
  const weak = await certificateFor('rsa:1024', 'weak_apply');
  const file = join(directory, 'apply.json');
  const tls = { cert: weak.cert, key: weak.key };
  writeFileSync(
    file,
    JSON.stringify([{ name: 'weak', listen: '127.0.0.1:0', upstream: '127.0.0.1:9', tls }]),
  );
  const dry = await runCli(['-h', harness.url, 'apply', file, '--dry-run']);
  assert.equal(dry.code, 0, dry.stderr);
  assert.equal(dry.stderr, `faultline: warning: ${WEAK_WARNING}\n`);
  assert.equal((await harness.api('GET', '/proxies/weak')).status, 404);
  const applied = await runCli(['-h', harness.url, 'apply', file]);
  assert.equal(applied.code, 0, applied.stderr);
  assert.equal(applied.stderr, `faultline: warning: ${WEAK_WARNING}\n`);
  await harness.close();
});
