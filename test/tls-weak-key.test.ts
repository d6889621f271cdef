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

/** An `apply` file with one tls proxy `name` presenting `pair`. */
function applyFileFor(name: string, pair: { cert: string; key: string }): string {
  const file = join(directory, `${name}.json`);
  const tls = { cert: pair.cert, key: pair.key };
  writeFileSync(file, JSON.stringify([{ name, listen: '127.0.0.1:0', upstream: '127.0.0.1:9', tls }]));
  return file;
}

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
  const file = applyFileFor('weak', weak);
  const dry = await runCli(['-h', harness.url, 'apply', file, '--dry-run']);
  assert.equal(dry.code, 0, dry.stderr);
  assert.equal(dry.stderr, `faultline: warning: ${WEAK_WARNING}\n`);
  assert.equal((await harness.api('GET', '/proxies/weak')).status, 404);
  const applied = await runCli(['-h', harness.url, 'apply', file]);
  assert.equal(applied.code, 0, applied.stderr);
  assert.equal(applied.stderr, `faultline: warning: ${WEAK_WARNING}\n`);
  await harness.close();
});

/** A CA, and a certificate for 127.0.0.1 it signs with SHA-1, which node:tls refuses to load. */
async function sha1Signed() {
  const ca = await certificateFor('rsa:2048', 'sha1_ca');
  const csr = join(directory, 'sha1.csr');
  const key = join(directory, 'sha1.key');
  const cert = join(directory, 'sha1.pem');
  const extensions = join(directory, 'sha1.ext');
  writeFileSync(extensions, 'subjectAltName=IP:127.0.0.1\n');
  await run('openssl', [
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-subj',
    '/CN=127.0.0.1',
    '-keyout',
    key,
    '-out',
    csr,
  ]);
  await run('openssl', [
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    ca.path,
    '-CAkey',
    join(directory, 'sha1_ca.key'),
    '-days',
    '1',
    '-sha1',
    '-extfile',
    extensions,
    '-out',
    cert,
  ]);
  return { ca: ca.cert, cert: readFileSync(cert, 'utf8'), key: readFileSync(key, 'utf8') };
}

test('a certificate node:tls refuses to load is a 400 naming the field, for tls and for upstream_tls', async () => {
  const harness = await startHarness();
  const sha1 = await sha1Signed();
  const signedWithSha1 =
    'node:tls refuses it (ca md too weak): a certificate in it is signed with SHA-1 or MD5, which OpenSSL refuses at its default security level; sign it with SHA-256 (openssl x509 -req -sha256 ..., openssl req -x509 -sha256 ...)';
  // Before, a 500 that called itself a bug in faultline.
  const served = await harness.api('POST', '/proxies', {
    name: 'sha1_served',
    listen: '127.0.0.1:0',
    upstream: '127.0.0.1:9',
    tls: { cert: sha1.cert, key: sha1.key },
  });
  assert.equal(served.status, 400, served.text);
  assert.equal(served.json.error, 'invalid tls.cert');
  assert.equal(served.json.hint, signedWithSha1);
  // Before, created; its first connection threw ERR_SSL_CA_MD_TOO_WEAK inside the server and stopped it.
  const presented = await harness.api('POST', '/proxies', {
    name: 'sha1_presented',
    listen: '127.0.0.1:0',
    upstream: '127.0.0.1:9',
    upstream_tls: { ca: sha1.ca, cert: sha1.cert, key: sha1.key },
  });
  assert.equal(presented.status, 400, presented.text);
  assert.equal(presented.json.error, 'invalid upstream_tls.cert');
  assert.equal(presented.json.hint, signedWithSha1);

  const tiny = await certificateFor('rsa:512', 'tiny');
  const small = await harness.api('POST', '/proxies', {
    name: 'tiny',
    listen: '127.0.0.1:0',
    upstream: '127.0.0.1:9',
    tls: { cert: tiny.cert, key: tiny.key },
  });
  assert.equal(small.status, 400, small.text);
  assert.equal(small.json.error, 'invalid tls.cert');
  assert.equal(
    small.json.hint,
    'node:tls refuses it (ee key too small): it has an RSA key of 512 bits (CN=127.0.0.1), which OpenSSL refuses at its default security level; give a certificate with an RSA key of 2048 bits or more or an EC key',
  );
  assert.deepEqual(Object.keys((await harness.api('GET', '/proxies')).json), []);
  await harness.close();
});

test('faultline apply --dry-run finds a certificate node:tls refuses to load, and applies nothing', async () => {
  const harness = await startHarness();
  const sha1 = await sha1Signed();
  const file = applyFileFor('sha1', sha1);
  // Before, the dry run printed "+ proxy sha1" and exited 0, and the real apply was refused.
  const dry = await runCli(['-h', harness.url, 'apply', file, '--dry-run']);
  assert.equal(dry.code, 2, dry.stdout);
  assert.match(
    dry.stderr,
    /^faultline: config file .*sha1\.json: proxy "sha1": invalid tls\.cert: node:tls refuses it \(ca md too weak\): a certificate in it is signed with SHA-1 or MD5.*; nothing was applied/,
  );
  assert.equal(dry.stdout, '');
  await harness.close();
});

const WEAK_CLIENT_WARNING =
  'proxy "mtls": upstream_tls.cert has an RSA key of 1024 bits (CN=127.0.0.1), below OpenSSL\'s default security level 2 (RSA and DSA keys of 2048 bits or more, elliptic curves of 224 bits or more): an upstream that checks client certificates with OpenSSL at its default level (nginx, HAProxy, Python on current distributions) refuses the handshake ("EE certificate key too weak", or "CA certificate key too weak" for an intermediate); give a client certificate with an RSA key of 2048 bits or more or an EC key (openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 ...)';

test('a client certificate (upstream_tls.cert) with a 1024-bit RSA key is warned of on create and update, as tls.cert is', async () => {
  const harness = await startHarness();
  const weak = await certificateFor('rsa:1024', 'weak_client');
  const strong = await certificateFor('rsa:2048', 'strong_client');
  const upstreamTls = (pair: { cert: string; key: string }) => ({
    cert: pair.cert,
    key: pair.key,
    ca: strong.cert,
  });
  const created = await harness.api('POST', '/proxies', {
    name: 'mtls',
    listen: '127.0.0.1:0',
    upstream: '127.0.0.1:9',
    upstream_tls: upstreamTls(weak),
  });
  assert.equal(created.status, 201, created.text);
  // Before, nothing was said, and the upstream's refusal came as a bare handshake alert.
  assert.equal(created.headers.get('warning'), `299 faultline ${JSON.stringify(WEAK_CLIENT_WARNING)}`);
  const fixed = await harness.api('PATCH', '/proxies/mtls', { upstream_tls: upstreamTls(strong) });
  assert.equal(fixed.status, 200, fixed.text);
  assert.equal(fixed.headers.get('warning'), null);
  const weakened = await harness.api('PATCH', '/proxies/mtls', { upstream_tls: upstreamTls(weak) });
  assert.equal(weakened.status, 200, weakened.text);
  assert.equal(weakened.headers.get('warning'), `299 faultline ${JSON.stringify(WEAK_CLIENT_WARNING)}`);
  await harness.close();
});

test('faultline apply --dry-run prints the weak client key warning the server would give, and apply the same', async () => {
  const harness = await startHarness();
  const weak = await certificateFor('rsa:1024', 'weak_client_apply');
  const strong = await certificateFor('rsa:2048', 'strong_client_apply');
  const file = join(directory, 'mtls.json');
  const upstream_tls = { cert: weak.cert, key: weak.key, ca: strong.cert };
  writeFileSync(
    file,
    JSON.stringify([{ name: 'mtls', listen: '127.0.0.1:0', upstream: '127.0.0.1:9', upstream_tls }]),
  );
  const dry = await runCli(['-h', harness.url, 'apply', file, '--dry-run']);
  assert.equal(dry.code, 0, dry.stderr);
  assert.equal(dry.stderr, `faultline: warning: ${WEAK_CLIENT_WARNING}\n`);
  assert.equal((await harness.api('GET', '/proxies/mtls')).status, 404);
  const applied = await runCli(['-h', harness.url, 'apply', file]);
  assert.equal(applied.code, 0, applied.stderr);
  assert.equal(applied.stderr, `faultline: warning: ${WEAK_CLIENT_WARNING}\n`);
  await harness.close();
});

test("an apply that moves a proxy's upstream is answered with its weak-key warnings, and --dry-run says the same", async () => {
  const harness = await startHarness();
  const weak = await certificateFor('rsa:1024', 'weak_moved');
  const strong = await certificateFor('rsa:2048', 'strong_moved');
  const proxy = {
    name: 'mtls',
    listen: '127.0.0.1:0',
    tls: { cert: weak.cert, key: weak.key },
    upstream_tls: { cert: weak.cert, key: weak.key, ca: strong.cert },
  };
  const file = (upstream: string) => {
    const path = join(directory, `moved-${upstream.replace(':', '_')}.json`);
    writeFileSync(path, JSON.stringify([{ ...proxy, upstream }]));
    return path;
  };
  assert.equal((await runCli(['-h', harness.url, 'apply', file('127.0.0.1:9')])).code, 0);
  const moved = file('127.0.0.1:10');
  const dry = await runCli(['-h', harness.url, 'apply', moved, '--dry-run']);
  const applied = await runCli(['-h', harness.url, 'apply', moved]);
  assert.equal(applied.code, 0, applied.stderr);
  assert.equal(
    applied.stderr,
    `faultline: warning: ${WEAK_WARNING.replace('"weak"', '"mtls"')}\nfaultline: warning: ${WEAK_CLIENT_WARNING}\n`,
  );
  assert.equal(dry.stderr, applied.stderr);
  await harness.close();
});
