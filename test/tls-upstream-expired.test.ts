import 'reflect-metadata';
import assert from 'node:assert/strict';
import { webcrypto } from 'node:crypto';
import { after, test } from 'node:test';
import tls from 'node:tls';
import * as x509 from '@peculiar/x509';
import type { EngineEvent } from '../src/model/events.js';
import { connect, createProxy, startHarness, waitFor } from './helpers.js';

/** An upstream whose certificate has expired: the tls.failed event says so and what to do. */

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY = 24 * 3600 * 1000;
const now = Date.now();

async function issue(
  subject: string,
  signer: webcrypto.CryptoKey | undefined,
  issuer: string,
  from: number,
  to: number,
) {
  const keys = await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
  const ca = signer === undefined;
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: String(Math.floor(Math.random() * 1e9)),
    subject,
    issuer,
    notBefore: new Date(from),
    notAfter: new Date(to),
    publicKey: keys.publicKey,
    signingKey: signer ?? keys.privateKey,
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(ca, undefined, true),
      new x509.SubjectAlternativeNameExtension(ca ? [] : [{ type: 'ip', value: '127.0.0.1' }]),
    ],
  });
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  return { cert: certificate.toString('pem'), key: x509.PemConverter.encode(pkcs8, 'PRIVATE KEY'), keys };
}

const root = await issue('CN=upstream root', undefined, 'CN=upstream root', now - 400 * DAY, now + 400 * DAY);
const leaf = await issue(
  'CN=127.0.0.1',
  root.keys.privateKey,
  'CN=upstream root',
  now - 60 * DAY,
  now - 30 * DAY,
);
const upstream = tls.createServer({ cert: leaf.cert, key: leaf.key }, (socket) => socket.end());
upstream.listen(0, '127.0.0.1');
await new Promise((resolve) => upstream.once('listening', resolve));
after(() => upstream.close());
const harness = await startHarness();
const events: EngineEvent[] = [];
harness.engine.events.on((event) => events.push(event));

test('an upstream whose certificate has expired: tls.failed says so, and to renew it or set upstream_tls.insecure', async () => {
  const { port } = upstream.address() as { port: number };
  const proxy = await createProxy(harness, 'to_expired', `127.0.0.1:${port}`, {
    upstream_tls: { ca: root.cert },
  });
  const client = await connect(proxy.port);
  client.resume();
  const failure = () => events.find((event) => event.type === 'tls.failed' && event.proxy === 'to_expired');
  await waitFor(() => failure() !== undefined, 'the tls.failed event');
  client.destroy();
  const event = failure();
  assert.ok(event?.type === 'tls.failed');
  assert.equal(event.code, 'CERT_HAS_EXPIRED');
  assert.match(
    event.error,
    /certificate has expired.*; the upstream's certificate, or one in its chain, has expired: give the upstream a certificate valid now, or set upstream_tls\.insecure \(without ca\) to reach it unverified$/,
  );
});
