import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import tls from 'node:tls';
import { promisify } from 'node:util';
import { FaultlineError } from '../src/model/errors.js';
import { parseTlsOrigination, parseTlsTermination } from '../src/model/tls-spec.js';
import { checkCaBundle, checkCertificateAndKey } from '../src/proxy/tls/check-credentials.js';
import { openLocalCa } from '../src/system/local-ca.js';

const run = promisify(execFile);
const home = mkdtempSync(join(tmpdir(), 'faultline-ca-'));
const directory = join(home, 'ca');
after(() => rmSync(home, { recursive: true, force: true }));

function invalidField(field: string, hint: RegExp | string) {
  return (error: unknown) =>
    error instanceof FaultlineError &&
    error.code === 'FAULTLINE_ERR_INVALID_FIELD' &&
    error.reason === `invalid ${field}` &&
    (typeof hint === 'string' ? assert.equal(error.hint, hint) === undefined : hint.test(error.hint ?? ''));
}

test('the local CA is made once, private, and reused', async () => {
  const first = await openLocalCa(directory);
  const second = await openLocalCa(directory);
  assert.equal(second.fingerprint, first.fingerprint);
  assert.equal(statSync(directory).mode & 0o777, 0o700);
  assert.equal(statSync(join(directory, 'ca-key.pem')).mode & 0o777, 0o600);
  assert.equal(first.certificatePath, join(directory, 'ca.pem'));
  assert.match(first.fingerprint, /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
});

test('a CA directory another user could replace is refused, and the message says what to set', async () => {
  const shared = join(home, 'shared');
  await openLocalCa(join(shared, 'ca'));
  chmodSync(shared, 0o777);
  await assert.rejects(
    openLocalCa(join(shared, 'ca')),
    (error: Error) =>
      error.name === 'UnsafeFile' &&
      /another user could replace it; set XDG_CONFIG_HOME or FAULTLINE_CA_DIR/.test(error.message),
  );
});

test('a CA key other users may read is refused, saying how to fix it', async () => {
  const readable = join(home, 'readable');
  await openLocalCa(readable);
  chmodSync(join(readable, 'ca-key.pem'), 0o640);
  await assert.rejects(
    openLocalCa(readable),
    (error: Error) =>
      error.name === 'UnsafeFile' && /other users may read it \(mode 0640\).*chmod 600/.test(error.message),
  );
  chmodSync(join(readable, 'ca-key.pem'), 0o600);
  await openLocalCa(readable);
});

test('a CA key or certificate that cannot be read names the file and says to remove the directory', async () => {
  const broken = join(home, 'broken');
  await openLocalCa(broken);
  writeFileSync(join(broken, 'ca.pem'), 'not a certificate\n');
  await assert.rejects(
    openLocalCa(broken),
    (error: Error) =>
      error.message.startsWith(`${join(broken, 'ca.pem')} cannot be read as a PEM certificate (`) &&
      error.message.endsWith(
        `); remove the CA directory ${broken} so a new CA is made (and trust the new one)`,
      ),
  );
  writeFileSync(join(broken, 'ca-key.pem'), '-----BEGIN PRIVATE KEY-----\nAAAA\n');
  await assert.rejects(openLocalCa(broken), (error: Error) =>
    error.message.startsWith(`${join(broken, 'ca-key.pem')} cannot be read as a PEM private key (`),
  );
});

test('a certificate it issues is trusted by curl --cacert and Node for the names it was issued for', async (t) => {
  const ca = await openLocalCa(directory);
  const { cert, key } = await ca.issue(['127.0.0.1', 'localhost']);
  const server = https.createServer({ cert, key }, (_request, response) => response.end('over tls'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  const { port } = server.address() as AddressInfo;

  const curl = await run('curl', ['-sS', '--cacert', ca.certificatePath, `https://127.0.0.1:${port}/`]);
  assert.equal(curl.stdout, 'over tls');
  const byName = await run('curl', [
    '-sS',
    '--cacert',
    ca.certificatePath,
    '--resolve',
    `localhost:${port}:127.0.0.1`,
    `https://localhost:${port}/`,
  ]);
  assert.equal(byName.stdout, 'over tls');
  // A name it was not issued for fails verification.
  await assert.rejects(
    run('curl', [
      '-sS',
      '--cacert',
      ca.certificatePath,
      '--resolve',
      `other.test:${port}:127.0.0.1`,
      `https://other.test:${port}/`,
    ]),
    (error: Error & { code?: number }) => error.code === 60,
  );

  const verified = await new Promise<boolean>((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, ca: ca.certificatePem }, () => {
      resolve(socket.authorized);
      socket.end();
    });
    socket.on('error', reject);
  });
  assert.equal(verified, true);
});

test('a certificate and key that belong together pass; a mismatched key, an expired or future certificate are refused with the field', async () => {
  const ca = await openLocalCa(directory);
  const one = await ca.issue(['127.0.0.1']);
  const two = await ca.issue(['127.0.0.1']);
  checkCertificateAndKey(one.cert, one.key, 'tls');
  assert.throws(
    () => checkCertificateAndKey(one.cert, two.key, 'tls'),
    invalidField('tls.key', /does not belong to the certificate in tls\.cert/),
  );
  const inSixtyDays = Date.now() + 60 * 24 * 3600 * 1000;
  assert.throws(
    () => checkCertificateAndKey(one.cert, one.key, 'tls', inSixtyDays),
    invalidField('tls.cert', /expired on \d{4}-/),
  );
  const twoHoursAgo = Date.now() - 2 * 3600 * 1000;
  assert.throws(
    () => checkCertificateAndKey(one.cert, one.key, 'tls', twoHoursAgo),
    invalidField('tls.cert', /is not valid before/),
  );
  assert.throws(() => checkCertificateAndKey('hello', one.key, 'tls'), invalidField('tls.cert', /not PEM/));
  assert.throws(
    () => checkCertificateAndKey(one.cert, 'not a key', 'upstream_tls'),
    invalidField('upstream_tls.key', /not a readable PEM private key/),
  );
});

test('PEM of the wrong kind is named: a key where a certificate goes, a certificate where a key goes', async () => {
  const ca = await openLocalCa(directory);
  const one = await ca.issue(['127.0.0.1']);
  const swapped = 'were the certificate and the key swapped? (--tls-cert FILE --tls-key FILE)';
  assert.throws(
    () => checkCertificateAndKey(one.key, one.cert, 'tls'),
    invalidField(
      'tls.cert',
      `it is PEM, but of a PRIVATE KEY (-----BEGIN PRIVATE KEY-----), not a certificate: expected -----BEGIN CERTIFICATE-----; ${swapped}`,
    ),
  );
  assert.throws(
    () => checkCertificateAndKey(one.cert, one.cert, 'upstream_tls'),
    invalidField(
      'upstream_tls.key',
      'it is PEM, but of a CERTIFICATE (-----BEGIN CERTIFICATE-----), not a private key: expected -----BEGIN PRIVATE KEY----- (or RSA PRIVATE KEY, EC PRIVATE KEY); were the certificate and the key swapped? (--upstream-cert FILE --upstream-key FILE)',
    ),
  );
  checkCertificateAndKey(one.cert, `${one.cert}${one.key}`, 'tls');
  const request = '-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----\n';
  assert.throws(
    () => checkCaBundle(request, 'upstream_tls.ca'),
    invalidField(
      'upstream_tls.ca',
      'it is PEM, but of a CERTIFICATE REQUEST (-----BEGIN CERTIFICATE REQUEST-----), not a certificate: expected -----BEGIN CERTIFICATE-----',
    ),
  );
  assert.throws(() => checkCaBundle(one.key, 'tls.client_ca'), {
    hint: 'it is PEM, but of a PRIVATE KEY (-----BEGIN PRIVATE KEY-----), not a certificate: expected -----BEGIN CERTIFICATE-----',
  });
});

test('a CA bundle must hold CA certificates only', async () => {
  const ca = await openLocalCa(directory);
  checkCaBundle(ca.certificatePem, 'upstream_tls.ca');
  const leaf = await ca.issue(['127.0.0.1']);
  assert.throws(
    () => checkCaBundle(leaf.cert, 'upstream_tls.ca'),
    invalidField('upstream_tls.ca', /CN=127\.0\.0\.1 is not a CA certificate/),
  );
});

test('tls and upstream_tls refuse unknown keys, half pairs and contradictions', () => {
  assert.deepEqual(parseTlsTermination({ auto: true }, 'proxy "api"'), { auto: true });
  assert.deepEqual(parseTlsTermination({ cert: 'C', key: 'K' }, 'proxy "api"'), { cert: 'C', key: 'K' });
  assert.throws(
    () => parseTlsTermination({ cert: 'C' }, 'proxy "api"'),
    (error: FaultlineError) =>
      error.reason === 'invalid tls in proxy "api"' && /tls\.key is missing/.test(error.hint ?? ''),
  );
  assert.throws(
    () => parseTlsTermination({ auto: true, cert: 'C', key: 'K' }, 'proxy "api"'),
    (error: FaultlineError) => /either auto: true or cert and key/.test(error.hint ?? ''),
  );
  assert.throws(
    () => parseTlsTermination({ atuo: true }, 'proxy "api"'),
    (error: FaultlineError) => error.code === 'FAULTLINE_ERR_UNKNOWN_FIELD' && /atuo/.test(error.message),
  );
  assert.deepEqual(parseTlsOrigination({ servername: 'db.internal' }, 'proxy "db"'), {
    servername: 'db.internal',
  });
  assert.throws(
    () => parseTlsOrigination({ cert: 'C' }, 'proxy "db"'),
    (error: FaultlineError) => /needs both upstream_tls\.cert and upstream_tls\.key/.test(error.hint ?? ''),
  );
  assert.throws(
    () => parseTlsOrigination({ insecure: true, ca: 'X' }, 'proxy "db"'),
    (error: FaultlineError) => /ca would be ignored/.test(error.hint ?? ''),
  );
  assert.throws(
    () => parseTlsOrigination({ insecure: 'yes' }, 'proxy "db"'),
    (error: FaultlineError) => /upstream_tls\.insecure must be true or false/.test(error.message),
  );
});
