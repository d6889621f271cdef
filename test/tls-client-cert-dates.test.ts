import 'reflect-metadata';
import assert from 'node:assert/strict';
import { webcrypto } from 'node:crypto';
import { join } from 'node:path';
import { test } from 'node:test';
import tls from 'node:tls';
import * as x509 from '@peculiar/x509';
import type { EngineEvent } from '../src/model/events.js';
import { openLocalCa } from '../src/system/local-ca.js';
import { createProxy, startEchoServer, startHarness, tempDirectory, waitFor } from './helpers.js';

/**
 * A client certificate that tls.client_ca signed but that is out of date is refused, and the
 * tls.failed event says it is out of date: it once said "not signed by tls.client_ca", which
 * sent the user looking at the wrong CA. A self-signed one says it is self-signed and what to do.
 */

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY = 24 * 3600 * 1000;

interface Issued {
  certificate: x509.X509Certificate;
  keys: webcrypto.CryptoKeyPair;
}

async function issue(subject: string, issuer: Issued | undefined, from: number, to: number, ca: boolean) {
  const keys = await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: String(Math.floor(Math.random() * 1e9)),
    subject,
    issuer: issuer?.certificate.subject ?? subject,
    notBefore: new Date(from),
    notAfter: new Date(to),
    publicKey: keys.publicKey,
    signingKey: (issuer?.keys ?? keys).privateKey,
    signingAlgorithm: ALGORITHM,
    extensions: [new x509.BasicConstraintsExtension(ca, undefined, true)],
  });
  return { certificate, keys };
}

async function credentials(issued: Issued) {
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', issued.keys.privateKey);
  return { cert: issued.certificate.toString('pem'), key: x509.PemConverter.encode(pkcs8, 'PRIVATE KEY') };
}

const now = Date.now();
const clientCa = await issue('CN=clients ca', undefined, now - 400 * DAY, now + 400 * DAY, true);
const expired = await credentials(
  await issue('CN=expired client', clientCa, now - 60 * DAY, now - 30 * DAY, false),
);
const future = await credentials(
  await issue('CN=future client', clientCa, now + 30 * DAY, now + 60 * DAY, false),
);
const selfSigned = await credentials(await issue('CN=self', undefined, now - DAY, now + 30 * DAY, false));

const serverCa = await openLocalCa(join(tempDirectory('tls-client-cert-dates'), 'server-ca'));
const harness = await startHarness({ issueCertificate: (hosts) => serverCa.issue(hosts) });
const events: EngineEvent[] = [];
harness.engine.events.on((event) => events.push(event));

/** Resolves once the proxy has closed the connection or the client failed. */
function attempt(port: number, client: { cert: string; key: string }): Promise<void> {
  return new Promise((resolve) => {
    const socket = tls.connect({ host: '127.0.0.1', port, ca: serverCa.certificatePem, ...client });
    socket.on('error', () => resolve());
    socket.on('close', () => resolve());
  });
}

test('a client certificate tls.client_ca signed but out of date is said to be out of date, not unsigned', async () => {
  const echo = await startEchoServer();
  const proxy = await createProxy(harness, 'mtls_dates', `127.0.0.1:${echo.port}`, {
    tls: { auto: true, client_ca: clientCa.certificate.toString('pem') },
  });
  for (const client of [expired, future, selfSigned]) await attempt(proxy.port, client);
  const failures = () =>
    events.flatMap((event) =>
      event.type === 'tls.failed' && event.proxy === 'mtls_dates' ? [`${event.code}: ${event.error}`] : [],
    );
  await waitFor(() => failures().length === 3, 'three tls.failed events');
  assert.deepEqual(failures(), [
    'CERT_HAS_EXPIRED: the client certificate, or one in the chain it sent, has expired (CERT_HAS_EXPIRED): give the client a certificate valid now',
    "CERT_NOT_YET_VALID: the client certificate, or one in the chain it sent, is not valid yet (CERT_NOT_YET_VALID): give the client a certificate valid now, or check the client's clock",
    'DEPTH_ZERO_SELF_SIGNED_CERT: the client certificate is self-signed, and no CA in tls.client_ca signed it (DEPTH_ZERO_SELF_SIGNED_CERT): give the client a certificate that a CA in tls.client_ca signed, or add the CA that signed it to tls.client_ca',
  ]);
});
