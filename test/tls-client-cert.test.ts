import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import tls from 'node:tls';
import { promisify } from 'node:util';
import { Agent, request } from 'undici';
import type { EngineEvent } from '../src/model/events.js';
import { openLocalCa } from '../src/system/local-ca.js';
import { createProxy, runCli, startEchoServer, startHarness, tempDirectory, waitFor } from './helpers.js';
import { startHttpUpstream } from './http-helpers.js';

/**
 * A terminating proxy with tls.client_ca asks each client for a certificate (mTLS): clients whose
 * certificate that CA signed get through; clients without one, or with one another CA signed,
 * are refused, and each refusal is a tls.failed event on the client side and a metric.
 */

const run = promisify(execFile);
const dir = tempDirectory('tls-client-cert');
const serverCa = await openLocalCa(join(dir, 'server-ca'));
const clientCa = await openLocalCa(join(dir, 'client-ca'));
const trusted = await clientCa.issue(['client.test']);
/** Signed by the server's CA, which the proxy does not accept for clients. */
const stranger = await serverCa.issue(['client.test']);
const harness = await startHarness({ issueCertificate: (hosts) => serverCa.issue(hosts) });
const events: EngineEvent[] = [];
harness.engine.events.on((event) => events.push(event));

const tlsFailures = (proxy: string) =>
  events.flatMap((event) =>
    event.type === 'tls.failed' && event.proxy === proxy
      ? [`${event.side} ${event.code}: ${event.error}`]
      : [],
  );

/** Sends `message` and resolves with what comes back until the proxy closes, or the client's error code. */
function exchange(
  port: number,
  message: string,
  credentials: { cert?: string; key?: string },
): Promise<string> {
  return new Promise((resolve) => {
    const socket = tls.connect({ host: '127.0.0.1', port, ca: serverCa.certificatePem, ...credentials }, () =>
      socket.write(message),
    );
    let received = '';
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString();
      if (received === message) socket.end();
    });
    socket.on('error', (error: NodeJS.ErrnoException) => resolve(`error ${error.code}`));
    socket.on('close', () => resolve(received === '' ? 'closed' : received));
  });
}

const NO_CERTIFICATE =
  'client ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE: the client sent no certificate, and this proxy requires one signed by tls.client_ca (peer did not return a certificate): give the client a certificate and its key (curl --cert FILE --key FILE)';

test('a tcp proxy with tls.client_ca lets in clients with a certificate its CA signed and refuses the others', async () => {
  const echo = await startEchoServer();
  const proxy = await createProxy(harness, 'mtls_tcp', `127.0.0.1:${echo.port}`, {
    tls: { auto: true, client_ca: clientCa.certificatePem },
  });
  assert.deepEqual((await harness.api('GET', '/proxies/mtls_tcp')).json.tls, {
    auto: true,
    client_ca: clientCa.certificatePem,
  });

  assert.equal(await exchange(proxy.port, 'with a certificate', trusted), 'with a certificate');
  assert.equal(await exchange(proxy.port, 'without', {}), 'error ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED');
  assert.equal(await exchange(proxy.port, 'from another CA', stranger), 'closed');
  await waitFor(() => tlsFailures('mtls_tcp').length === 2, 'two tls.failed events');
  assert.deepEqual(tlsFailures('mtls_tcp'), [
    NO_CERTIFICATE,
    'client SELF_SIGNED_CERT_IN_CHAIN: the client certificate is not signed by tls.client_ca (SELF_SIGNED_CERT_IN_CHAIN): give the client a certificate that a CA in tls.client_ca signed, or add the CA that signed it to tls.client_ca',
  ]);
  const refused = events.filter((event) => event.type === 'tls.failed' && event.proxy === 'mtls_tcp');
  for (const event of refused)
    assert.match(event.type === 'tls.failed' ? event.client : '', /^127\.0\.0\.1:\d+$/);
  const opened = events.filter((event) => event.type === 'connection.opened' && event.proxy === 'mtls_tcp');
  assert.equal(opened.length, 1, 'only the client with a certificate reached the upstream');
  const metrics = (await harness.api('GET', '/metrics')).text;
  assert.match(
    metrics,
    /^faultline_tls_handshake_failures_total\{proxy="mtls_tcp",side="client",code="ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE"\} 1$/m,
  );
  assert.match(
    metrics,
    /^faultline_tls_handshake_failures_total\{proxy="mtls_tcp",side="client",code="SELF_SIGNED_CERT_IN_CHAIN"\} 1$/m,
  );
});

test('an https proxy with tls.client_ca: curl --cert and undici with a certificate get answers, without one they are refused', async () => {
  const upstream = await startHttpUpstream();
  const proxy = await createProxy(harness, 'mtls_http', upstream.address, {
    protocol: 'http',
    tls: { auto: true, client_ca: clientCa.certificatePem },
  });
  const url = `https://127.0.0.1:${proxy.port}/orders`;
  writeFileSync(join(dir, 'client.pem'), trusted.cert);
  writeFileSync(join(dir, 'client.key'), trusted.key);
  const curl = ['-sS', '--cacert', serverCa.certificatePath, '-w', ' %{http_code}'];
  const withCert = await run('curl', [
    ...curl,
    '--cert',
    join(dir, 'client.pem'),
    '--key',
    join(dir, 'client.key'),
    url,
  ]);
  assert.equal(withCert.stdout, 'ok GET /orders 200');
  await assert.rejects(run('curl', [...curl, url]), (error: { code: number; stderr: string }) => {
    // 56: failure receiving network data, here the proxy's "certificate required" alert.
    assert.equal(error.code, 56);
    assert.match(error.stderr, /alert certificate required/);
    return true;
  });

  const agent = (credentials: object) =>
    new Agent({ connect: { ca: serverCa.certificatePem, ...credentials } });
  const answer = await request(url, { dispatcher: agent(trusted) });
  assert.deepEqual([answer.statusCode, await answer.body.text()], [200, 'ok GET /orders']);
  // undici writes its request once the handshake is done, and sees the refusal as a closed socket.
  await assert.rejects(request(url, { dispatcher: agent({}) }), { code: 'UND_ERR_SOCKET' });
  await waitFor(() => tlsFailures('mtls_http').length === 2, 'tls.failed for curl and undici');
  assert.deepEqual(tlsFailures('mtls_http'), [NO_CERTIFICATE, NO_CERTIFICATE]);
});

test('tls.client_ca is checked: not PEM, not a CA certificate, or without termination is a 400 naming it; tls: null takes it off', async () => {
  const echo = await startEchoServer();
  const cases: Array<[object, RegExp]> = [
    [{ tls: { auto: true, client_ca: 'not pem' } }, /^invalid tls\.client_ca: it is not PEM/],
    [
      { tls: { auto: true, client_ca: trusted.cert } },
      /^invalid tls\.client_ca: CN=client\.test is not a CA certificate \(basic constraints CA:FALSE\)$/,
    ],
    [
      { tls: { client_ca: clientCa.certificatePem } },
      /^invalid tls in proxy "bad_client_ca": tls\.cert is missing/,
    ],
  ];
  for (const [fields, message] of cases) {
    const reply = await harness.api('POST', '/proxies', {
      name: 'bad_client_ca',
      listen: '127.0.0.1:0',
      upstream: `127.0.0.1:${echo.port}`,
      ...fields,
    });
    assert.equal(reply.status, 400, reply.text);
    assert.match(`${reply.json.error}: ${reply.json.hint}`, message);
  }

  const proxy = await createProxy(harness, 'mtls_off', `127.0.0.1:${echo.port}`, {
    tls: { auto: true, client_ca: clientCa.certificatePem },
  });
  assert.equal(await exchange(proxy.port, 'x', {}), 'error ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED');
  const relaxed = await harness.api('POST', '/proxies/mtls_off', { tls: { auto: true } });
  assert.equal(relaxed.status, 200, relaxed.text);
  assert.deepEqual(relaxed.json.tls, { auto: true });
  assert.equal(await exchange(proxy.port, 'no certificate needed', {}), 'no certificate needed');
  const removed = await harness.api('POST', '/proxies/mtls_off', { tls: null });
  assert.equal(removed.json.tls, undefined);
});

test('faultline create --tls-client-ca reads the CA file; without --tls-auto or --tls-cert it is a usage error', async () => {
  const echo = await startEchoServer();
  writeFileSync(join(dir, 'client-ca.pem'), clientCa.certificatePem);
  const base = ['-h', harness.url, 'create', 'mtls_cli', '-l', '127.0.0.1:0', '-u', `127.0.0.1:${echo.port}`];
  const lone = await runCli([...base, '--tls-client-ca', join(dir, 'client-ca.pem')]);
  assert.equal(lone.code, 2);
  assert.match(
    lone.stderr,
    /--tls-client-ca asks clients for certificates, which needs TLS termination; add --tls-auto or --tls-cert and --tls-key/,
  );
  const created = await runCli([...base, '--tls-auto', '--tls-client-ca', join(dir, 'client-ca.pem')]);
  assert.equal(created.code, 0, created.stderr);
  const shown = (await harness.api('GET', '/proxies/mtls_cli')).json;
  assert.deepEqual(shown.tls, { auto: true, client_ca: clientCa.certificatePem });
  assert.equal(await exchange(Number(shown.listen.split(':').pop()), 'via cli', trusted), 'via cli');
});
