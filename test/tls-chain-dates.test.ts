import 'reflect-metadata';
import assert from 'node:assert/strict';
import { webcrypto } from 'node:crypto';
import { test } from 'node:test';
import * as x509 from '@peculiar/x509';
import { startHarness } from './helpers.js';

/** Every certificate of a chain in tls.cert is checked for dates, not the leaf alone. */

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY = 24 * 3600 * 1000;
const harness = await startHarness();

interface Issued {
  certificate: x509.X509Certificate;
  keys: webcrypto.CryptoKeyPair;
}

async function issue(
  subject: string,
  issuer: Issued | undefined,
  notBefore: number,
  notAfter: number,
  ca: boolean,
): Promise<Issued> {
  const keys = await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: '01',
    subject,
    issuer: issuer?.certificate.subject ?? subject,
    notBefore: new Date(notBefore),
    notAfter: new Date(notAfter),
    publicKey: keys.publicKey,
    signingKey: (issuer?.keys ?? keys).privateKey,
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(ca, undefined, true),
      new x509.SubjectAlternativeNameExtension(ca ? [] : [{ type: 'ip', value: '127.0.0.1' }]),
    ],
  });
  return { certificate, keys };
}

async function chainWithIntermediate(from: number, to: number) {
  const now = Date.now();
  const root = await issue('CN=chain root', undefined, now - 400 * DAY, now + 400 * DAY, true);
  const intermediate = await issue('CN=chain intermediate', root, from, to, true);
  const leaf = await issue('CN=127.0.0.1', intermediate, now - DAY, now + 30 * DAY, false);
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', leaf.keys.privateKey);
  return {
    cert: `${leaf.certificate.toString('pem')}\n${intermediate.certificate.toString('pem')}\n`,
    key: x509.PemConverter.encode(pkcs8, 'PRIVATE KEY'),
  };
}

async function refusal(extra: object) {
  const reply = await harness.api('POST', '/proxies', { name: 'chain', upstream: '127.0.0.1:1', ...extra });
  assert.equal(reply.status, 400, reply.text);
  assert.equal((await harness.api('GET', '/proxies/chain')).status, 404);
  return `${reply.json.error}: ${reply.json.hint}`;
}

test('an expired intermediate in tls.cert is a 400 naming the field, the certificate and its date', async () => {
  const expired = await chainWithIntermediate(Date.UTC(2024, 0, 1), Date.UTC(2025, 0, 1));
  assert.equal(
    await refusal({ tls: expired }),
    'invalid tls.cert: the intermediate certificate CN=chain intermediate (2 in the chain) expired on 2025-01-01T00:00:00.000Z',
  );
  assert.equal(
    await refusal({ upstream_tls: { ...expired, insecure: true } }),
    'invalid upstream_tls.cert: the intermediate certificate CN=chain intermediate (2 in the chain) expired on 2025-01-01T00:00:00.000Z',
  );
});

test('an intermediate not valid yet is refused the same way; a chain valid now is taken', async () => {
  const start = Date.UTC(new Date().getUTCFullYear() + 2, 0, 1);
  const future = await chainWithIntermediate(start, start + 400 * DAY);
  assert.equal(
    await refusal({ tls: future }),
    `invalid tls.cert: the intermediate certificate CN=chain intermediate (2 in the chain) is not valid before ${new Date(start).toISOString()}`,
  );
  const valid = await chainWithIntermediate(Date.now() - DAY, Date.now() + 400 * DAY);
  const created = await harness.api('POST', '/proxies', {
    name: 'chain_ok',
    listen: '127.0.0.1:0',
    upstream: '127.0.0.1:1',
    tls: valid,
  });
  assert.equal(created.status, 201, created.text);
});
