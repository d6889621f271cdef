import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { once } from 'node:events';
import http2 from 'node:http2';
import https from 'node:https';
import net, { type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import tls from 'node:tls';
import { promisify } from 'node:util';
import type { EngineEvent } from '../src/model/events.js';
import { openLocalCa } from '../src/system/local-ca.js';
import {
  connect,
  createProxy as createPlainProxy,
  readAll,
  runCli,
  startEchoServer,
  startHarness,
  tempDirectory,
  waitFor,
} from './helpers.js';
import { startHttpUpstream } from './http-helpers.js';

const run = promisify(execFile);

interface TlsProxy {
  name: string;
  listen: string;
  port: number;
  tls?: unknown;
  upstream_tls?: { key?: string };
}
const createProxy = (...args: Parameters<typeof createPlainProxy>) =>
  createPlainProxy(...args) as Promise<TlsProxy>;
const ca = await openLocalCa(join(tempDirectory('tls-proxy'), 'ca'));
const harness = await startHarness({ issueCertificate: (hosts) => ca.issue(hosts) });
const events: EngineEvent[] = [];
harness.engine.events.on((event) => events.push(event));

function tlsRoundTrip(port: number, message: string, options: tls.ConnectionOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, ca: ca.certificatePem, ...options }, () => {
      socket.end(message);
    });
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', () => resolve(Buffer.concat(chunks).toString()));
    socket.on('error', reject);
  });
}

test('a tcp proxy with tls.auto terminates TLS with a certificate from the local CA, verified by Node and openssl', async () => {
  const echo = await startEchoServer();
  const proxy = await createProxy(harness, 'tls_echo', `127.0.0.1:${echo.port}`, { tls: { auto: true } });
  assert.deepEqual(proxy.tls, { auto: true });
  assert.equal(await tlsRoundTrip(proxy.port, 'hello through tls'), 'hello through tls');

  const sClient = spawn(
    'openssl',
    [
      's_client',
      '-CAfile',
      ca.certificatePath,
      '-connect',
      `127.0.0.1:${proxy.port}`,
      '-verify_return_error',
      '-quiet',
    ],
    {
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  sClient.stdin.end('ping from openssl\n');
  const output = await new Promise<string>((resolve) => {
    let text = '';
    sClient.stdout.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      if (text.includes('ping from openssl')) resolve(text);
    });
    sClient.once('exit', () => resolve(text));
  });
  sClient.kill();
  assert.equal(output, 'ping from openssl\n');
});

test('curl --cacert reaches an HTTPS request through a terminating http proxy, and an http_abort answers it with 503', async () => {
  const upstream = await startHttpUpstream();
  const proxy = await createProxy(harness, 'tls_http', upstream.address, {
    protocol: 'http',
    tls: { auto: true },
  });
  const url = `https://127.0.0.1:${proxy.port}/orders`;
  const ok = await run('curl', ['-sS', '--cacert', ca.certificatePath, '-w', ' %{http_code}', url]);
  assert.equal(ok.stdout, 'ok GET /orders 200');
  const added = await harness.api('POST', '/proxies/tls_http/toxics', {
    name: 'fail',
    type: 'http_abort',
    attributes: { status: 503 },
  });
  assert.equal(added.status, 200, added.text);
  const failed = await run('curl', [
    '-sS',
    '--cacert',
    ca.certificatePath,
    '-o',
    '/dev/null',
    '-w',
    '%{http_code}',
    url,
  ]);
  assert.equal(failed.stdout, '503');
});

test('a proxy with upstream_tls reaches an https upstream that requires a client certificate (mTLS)', async (t) => {
  const serverPair = await ca.issue(['127.0.0.1', 'upstream.test']);
  const clientPair = await ca.issue(['faultline-client']);
  const server = https.createServer(
    { ...serverPair, ca: ca.certificatePem, requestCert: true, rejectUnauthorized: true },
    (request, response) => {
      const peer = (request.socket as tls.TLSSocket).getPeerCertificate();
      response.end(`hello ${peer.subject.CN}`);
    },
  );
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => server.close());
  const { port } = server.address() as AddressInfo;

  const proxy = await createProxy(harness, 'mtls', `127.0.0.1:${port}`, {
    upstream_tls: {
      ca: ca.certificatePem,
      servername: 'upstream.test',
      cert: clientPair.cert,
      key: clientPair.key,
    },
  });
  assert.equal(proxy.upstream_tls?.key, '[redacted]');
  const plain = await connect(proxy.port);
  plain.end('GET / HTTP/1.1\r\nHost: upstream.test\r\nConnection: close\r\n\r\n');
  const reply = (await readAll(plain)).toString();
  assert.match(reply, /^HTTP\/1\.1 200 OK/);
  assert.match(reply, /hello faultline-client$/);

  // Without the client certificate the upstream refuses the handshake: the event names the upstream side.
  await createProxy(harness, 'mtls_nocert', `127.0.0.1:${port}`, {
    upstream_tls: { ca: ca.certificatePem, servername: 'upstream.test' },
  });
  const bare = harness.engine.get('mtls_nocert');
  const refused = await connect(Number(bare.listen.split(':').pop()));
  refused.end('GET / HTTP/1.1\r\nHost: upstream.test\r\nConnection: close\r\n\r\n');
  const nothing = await readAll(refused).catch(() => Buffer.alloc(0));
  assert.equal(nothing.length, 0);
  await waitFor(
    () => events.some((event) => event.type === 'tls.failed' && event.proxy === 'mtls_nocert'),
    'tls.failed',
  );
  const alert = events.find((event) => event.type === 'tls.failed' && event.proxy === 'mtls_nocert');
  assert.equal(alert?.type === 'tls.failed' && alert.side, 'upstream');
  assert.equal(alert?.type === 'tls.failed' && alert.code, 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED');
});

test('an http proxy whose https upstream requires a client certificate it lacks answers 502 saying so, with a tls.failed event', async (t) => {
  const serverPair = await ca.issue(['127.0.0.1', 'upstream.test']);
  const server = https.createServer(
    { ...serverPair, ca: ca.certificatePem, requestCert: true, rejectUnauthorized: true },
    (_request, response) => response.end('should not be reached'),
  );
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => server.close());
  const upstream = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  const proxy = await createProxy(harness, 'http_mtls_nocert', upstream, {
    protocol: 'http',
    upstream_tls: { ca: ca.certificatePem, servername: 'upstream.test' },
  });
  const reply = await fetch(`http://127.0.0.1:${proxy.port}/`);
  assert.equal(reply.status, 502);
  assert.equal(
    await reply.text(),
    `faultline: the TLS handshake with the upstream ${upstream} failed (ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED: tlsv13 alert certificate required); the upstream requires a client certificate: set upstream_tls.cert and upstream_tls.key on the proxy\n`,
  );
  const failures = events.flatMap((event) =>
    event.type === 'tls.failed' && event.proxy === 'http_mtls_nocert'
      ? [`${event.side} ${event.code}: ${event.error}`]
      : [],
  );
  assert.deepEqual(failures, [
    'upstream ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED: tlsv13 alert certificate required',
  ]);
});

test('an upstream whose certificate is not trusted fails with a tls.failed event on the upstream side', async (t) => {
  const other = await openLocalCa(join(tempDirectory('tls-other'), 'ca'));
  const pair = await other.issue(['127.0.0.1']);
  const server = https.createServer(pair, (_request, response) => response.end('should not be reached'));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => server.close());
  const { port } = server.address() as AddressInfo;
  const proxy = await createProxy(harness, 'untrusted', `127.0.0.1:${port}`, {
    upstream_tls: { ca: ca.certificatePem },
  });
  const client = await connect(proxy.port);
  client.end('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
  await readAll(client).catch(() => Buffer.alloc(0));
  await waitFor(
    () => events.some((event) => event.type === 'tls.failed' && event.proxy === 'untrusted'),
    'tls.failed',
  );
  const failure = events.find((event) => event.type === 'tls.failed' && event.proxy === 'untrusted');
  assert.equal(failure?.type === 'tls.failed' && failure.side, 'upstream');
  assert.equal(failure?.type === 'tls.failed' && failure.code, 'SELF_SIGNED_CERT_IN_CHAIN');
});

test('a byte toxic added while a TLS connection is open applies to it at once, and the bytes counted are the bytes sent', async () => {
  const received: Buffer[] = [];
  const upstream = net.createServer((socket) => socket.on('data', (chunk: Buffer) => received.push(chunk)));
  upstream.listen(0, '127.0.0.1');
  await once(upstream, 'listening');
  const proxy = await createProxy(
    harness,
    'tls_limit',
    `127.0.0.1:${(upstream.address() as AddressInfo).port}`,
    {
      tls: { auto: true },
    },
  );
  const client = tls.connect({ host: '127.0.0.1', port: proxy.port, ca: ca.certificatePem });
  await once(client, 'secureConnect');
  // 1 MiB in 16 KiB TLS records, many to a read: the batched writes must keep every byte in order.
  const first = Buffer.from(Array.from({ length: 1024 * 1024 }, (_, index) => (index * 7) % 251));
  client.write(first);
  const receivedBytes = () => received.reduce((sum, chunk) => sum + chunk.length, 0);
  await waitFor(() => receivedBytes() === first.length, 'the first MiB at the upstream');
  assert.deepEqual(Buffer.concat(received), first);

  const added = await harness.api('POST', '/proxies/tls_limit/toxics', {
    name: 'cut',
    type: 'limit_data',
    stream: 'upstream',
    attributes: { bytes: 100_000 },
  });
  assert.equal(added.status, 200, added.text);
  const second = Buffer.alloc(1024 * 1024, 0x42);
  client.write(second);
  await once(client, 'close');
  await waitFor(
    () => events.some((event) => event.type === 'connection.closed' && event.proxy === 'tls_limit'),
    'connection.closed',
  );
  assert.deepEqual(Buffer.concat(received), Buffer.concat([first, second.subarray(0, 100_000)]));
  const closed = events.find((event) => event.type === 'connection.closed' && event.proxy === 'tls_limit');
  assert.equal(closed?.type === 'connection.closed' && closed.bytes.upstream, first.length + 100_000);
  upstream.close();
});

test('16 MiB each way through a proxy that terminates and originates TLS arrive byte for byte, and are counted', async (t) => {
  const upstreamPair = await ca.issue(['127.0.0.1']);
  // A TLS echo server: each connection sends back what it reads.
  const echo = tls.createServer(upstreamPair, (socket) => socket.pipe(socket));
  echo.listen(0, '127.0.0.1');
  await once(echo, 'listening');
  t.after(() => echo.close());
  const proxy = await createProxy(
    harness,
    'tls_both_ways',
    `127.0.0.1:${(echo.address() as AddressInfo).port}`,
    { tls: { auto: true }, upstream_tls: { ca: ca.certificatePem } },
  );
  const client = tls.connect({ host: '127.0.0.1', port: proxy.port, ca: ca.certificatePem });
  t.after(() => client.destroy());
  await once(client, 'secureConnect');
  // Bytes that differ from one position to the next within 251, so a lost, doubled or moved
  // record shows; written in pieces of sizes that are not multiples of a TLS record.
  const sent = Buffer.from(Array.from({ length: 16 * 1024 * 1024 }, (_, index) => (index * 13) % 251));
  const echoed: Buffer[] = [];
  let echoedBytes = 0;
  client.on('data', (chunk: Buffer) => {
    echoed.push(chunk);
    echoedBytes += chunk.length;
  });
  for (let offset = 0; offset < sent.length; offset += 100_003) {
    if (!client.write(sent.subarray(offset, offset + 100_003))) await once(client, 'drain');
  }
  await waitFor(() => echoedBytes >= sent.length, 'the 16 MiB echoed', 60_000);
  assert.equal(echoedBytes, sent.length);
  assert.ok(Buffer.concat(echoed).equals(sent), 'the echo is the bytes sent, in order');
  client.end();
  await waitFor(
    () => events.some((event) => event.type === 'connection.closed' && event.proxy === 'tls_both_ways'),
    'connection.closed',
  );
  const closed = events.find(
    (event) => event.type === 'connection.closed' && event.proxy === 'tls_both_ways',
  );
  assert.deepEqual(closed?.type === 'connection.closed' && closed.bytes, {
    upstream: sent.length,
    downstream: sent.length,
  });
});

test('what a TLS client sends while connect_delay holds its connection reaches the upstream once it is let through', async (t) => {
  const received: Buffer[] = [];
  const upstream = net.createServer((socket) => socket.on('data', (chunk: Buffer) => received.push(chunk)));
  upstream.listen(0, '127.0.0.1');
  await once(upstream, 'listening');
  t.after(() => upstream.close());
  const proxy = await createProxy(
    harness,
    'tls_held',
    `127.0.0.1:${(upstream.address() as AddressInfo).port}`,
    {
      tls: { auto: true },
    },
  );
  const added = await harness.api('POST', '/proxies/tls_held/toxics', {
    type: 'connect_delay',
    attributes: { delay: 300 },
  });
  assert.equal(added.status, 200, added.text);
  const client = tls.connect({ host: '127.0.0.1', port: proxy.port, ca: ca.certificatePem });
  t.after(() => client.destroy());
  await once(client, 'secureConnect');
  // Sent during the hold: records of 16 KiB and a short one, decrypted before the link exists.
  const early = Buffer.from(Array.from({ length: 40_000 }, (_, index) => (index * 7) % 251));
  client.write(early);
  const receivedBytes = () => received.reduce((sum, chunk) => sum + chunk.length, 0);
  await waitFor(() => receivedBytes() >= early.length, 'the bytes sent during the hold', 10_000);
  assert.deepEqual(Buffer.concat(received), early);
});

test('a client that speaks plain text to a terminating proxy is a tls.failed event and a metric, and the upstream is never dialled', async () => {
  const echo = await startEchoServer();
  const proxy = await createProxy(harness, 'tls_plain', `127.0.0.1:${echo.port}`, { tls: { auto: true } });
  const client = await connect(proxy.port);
  client.end('GET / HTTP/1.1\r\n\r\n');
  await readAll(client).catch(() => Buffer.alloc(0));
  await waitFor(
    () => events.some((event) => event.type === 'tls.failed' && event.proxy === 'tls_plain'),
    'tls.failed',
  );
  assert.equal(
    events.some((event) => event.type === 'connection.opened' && event.proxy === 'tls_plain'),
    false,
  );
  const metrics = await harness.api('GET', '/metrics');
  assert.match(
    metrics.text,
    /^faultline_tls_handshake_failures_total\{proxy="tls_plain",side="client",code="ERR_SSL_[A-Z_]+"\} 1$/m,
  );
});

test('bad TLS input is a 400 naming the field: not PEM, a mismatched key, a CA file that is not a CA, unknown keys', async () => {
  const one = await ca.issue(['127.0.0.1']);
  const two = await ca.issue(['127.0.0.1']);
  const cases: Array<[object, RegExp]> = [
    [{ tls: { cert: 'not pem', key: one.key } }, /^invalid tls\.cert: it is not PEM/],
    [
      { tls: { cert: one.cert, key: two.key } },
      /^invalid tls\.key: it does not belong to the certificate in tls\.cert/,
    ],
    [
      { upstream_tls: { ca: one.cert } },
      /^invalid upstream_tls\.ca: CN=127\.0\.0\.1 is not a CA certificate/,
    ],
    [{ tls: { auto: true, extra: 1 } }, /extra/],
    [{ tls: { cert: one.cert, key: '[redacted]' } }, /^invalid tls\.key: it is "\[redacted\]"/],
  ];
  for (const [extra, message] of cases) {
    const reply = await harness.api('POST', '/proxies', {
      name: 'bad_tls',
      upstream: '127.0.0.1:1',
      ...extra,
    });
    assert.equal(reply.status, 400, reply.text);
    assert.match(`${reply.json.error}: ${reply.json.hint}`, message);
  }
  assert.equal((await harness.api('GET', '/proxies/bad_tls')).status, 404);
});

test('GET shows a given certificate with its key redacted, and sending that back changes nothing', async () => {
  const echo = await startEchoServer();
  const pair = await ca.issue(['127.0.0.1']);
  const proxy = await createProxy(harness, 'given', `127.0.0.1:${echo.port}`, { tls: pair });
  assert.deepEqual(proxy.tls, { cert: pair.cert, key: '[redacted]' });
  const populate = await harness.api('POST', '/populate', [
    { name: 'given', listen: proxy.listen, upstream: `127.0.0.1:${echo.port}`, tls: proxy.tls },
  ]);
  assert.equal(populate.status, 201, populate.text);
  assert.equal(
    events.filter((event) => event.type === 'proxy.updated' && event.proxy.name === 'given').length,
    0,
  );
  assert.equal(await tlsRoundTrip(proxy.port, 'still the given key'), 'still the given key');
});

test('an http2 proxy with tls.auto speaks h2 over TLS (ALPN) to its clients, and reaches an https upstream with upstream_tls', async (t) => {
  const pair = await ca.issue(['127.0.0.1']);
  const upstream = http2.createSecureServer(pair, (request, response) => {
    response.setHeader('content-type', 'text/plain');
    response.end(`h2 upstream saw ${request.method} ${request.url}`);
  });
  upstream.listen(0, '127.0.0.1');
  await once(upstream, 'listening');
  t.after(() => upstream.close());
  const { port } = upstream.address() as AddressInfo;
  const proxy = await createProxy(harness, 'h2tls', `127.0.0.1:${port}`, {
    protocol: 'http2',
    tls: { auto: true },
    upstream_tls: { ca: ca.certificatePem },
  });
  const client = http2.connect(`https://127.0.0.1:${proxy.port}`, { ca: ca.certificatePem });
  t.after(() => client.close());
  const body = await new Promise<string>((resolve, reject) => {
    const stream = client.request({ ':path': '/orders' });
    let text = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => (text += chunk));
    stream.on('end', () => resolve(text));
    stream.on('error', reject);
    stream.end();
  });
  assert.equal(client.alpnProtocol, 'h2');
  assert.equal(body, 'h2 upstream saw GET /orders');
});

test('an http proxy reaches an https upstream through upstream_tls, verified against the given CA', async (t) => {
  const pair = await ca.issue(['127.0.0.1']);
  const upstream = https.createServer(pair, (request, response) =>
    response.end(`https upstream ${request.url}`),
  );
  upstream.listen(0, '127.0.0.1');
  await once(upstream, 'listening');
  t.after(() => upstream.close());
  const { port } = upstream.address() as AddressInfo;
  const proxy = await createProxy(harness, 'http_to_https', `127.0.0.1:${port}`, {
    protocol: 'http',
    upstream_tls: { ca: ca.certificatePem },
  });
  const reply = await run('curl', ['-sS', `http://127.0.0.1:${proxy.port}/plain-in`]);
  assert.equal(reply.stdout, 'https upstream /plain-in');
});

test('export writes tls and upstream_tls (keys redacted), apply brings them back and then changes nothing, and tls: null takes TLS off', async () => {
  const echo = await startEchoServer();
  const pair = await ca.issue(['127.0.0.1']);
  const proxy = await createProxy(harness, 'round_trip', `127.0.0.1:${echo.port}`, {
    tls: pair,
    upstream_tls: { insecure: true },
  });
  const dir = tempDirectory('tls-export');
  const file = join(dir, 'proxies.json');
  const exported = await runCli(['-h', harness.url, 'export', '--json']);
  assert.equal(exported.code, 0, exported.stderr);
  const document = JSON.parse(exported.stdout) as {
    proxies: Array<{ name: string; tls?: unknown; upstream_tls?: unknown }>;
  };
  const entry = document.proxies.find((candidate) => candidate.name === 'round_trip');
  assert.deepEqual(entry?.tls, { cert: pair.cert, key: '[redacted]' });
  assert.deepEqual(entry?.upstream_tls, { insecure: true });
  writeFileSync(file, JSON.stringify({ proxies: [entry] }));

  const again = await runCli(['-h', harness.url, 'apply', file]);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(again.stdout.trim(), `no changes: the server matches ${file}`);

  // A file whose proxy has no tls makes the server's proxy plain: apply matches the file.
  writeFileSync(file, JSON.stringify({ proxies: [{ ...entry, tls: undefined, upstream_tls: undefined }] }));
  const off = await runCli(['-h', harness.url, 'apply', file]);
  assert.equal(off.code, 0, off.stderr);
  assert.match(off.stdout, /~ proxy round_trip: tls off, upstream_tls off/);
  const shown = await harness.api('GET', '/proxies/round_trip');
  assert.equal(shown.json.tls, undefined);
  const plain = await connect(proxy.port);
  plain.end('plain again');
  assert.equal((await readAll(plain)).toString(), 'plain again');

  const on = await harness.api('POST', '/proxies/round_trip', { tls: { auto: true } });
  assert.equal(on.status, 200, on.text);
  assert.equal(await tlsRoundTrip(proxy.port, 'tls again'), 'tls again');
  const removed = await harness.api('POST', '/proxies/round_trip', { tls: null });
  assert.equal(removed.status, 200, removed.text);
  assert.equal(removed.json.tls, undefined);
  const plainAgain = await connect(proxy.port);
  plainAgain.end('and plain');
  assert.equal((await readAll(plainAgain)).toString(), 'and plain');
});

test('faultline create takes TLS from flags: PEM files are read by the CLI, and an unreadable one is a usage error', async () => {
  const echo = await startEchoServer();
  const pair = await ca.issue(['127.0.0.1']);
  const dir = tempDirectory('tls-flags');
  writeFileSync(join(dir, 'cert.pem'), pair.cert);
  writeFileSync(join(dir, 'key.pem'), pair.key);
  writeFileSync(join(dir, 'ca.pem'), ca.certificatePem);
  const created = await runCli([
    '-h',
    harness.url,
    'create',
    'flagged',
    '-l',
    '127.0.0.1:0',
    '-u',
    `127.0.0.1:${echo.port}`,
    '--tls-cert',
    join(dir, 'cert.pem'),
    '--tls-key',
    join(dir, 'key.pem'),
    '--upstream-ca',
    join(dir, 'ca.pem'),
    '--upstream-servername',
    'upstream.test',
  ]);
  assert.equal(created.code, 0, created.stderr);
  const shown = (await harness.api('GET', '/proxies/flagged')).json;
  assert.deepEqual(shown.tls, { cert: pair.cert, key: '[redacted]' });
  assert.deepEqual(shown.upstream_tls, { servername: 'upstream.test', ca: ca.certificatePem });
  const missing = await runCli([
    '-h',
    harness.url,
    'create',
    'nofile',
    '-l',
    '127.0.0.1:0',
    '-u',
    '127.0.0.1:1',
    '--tls-cert',
    join(dir, 'absent.pem'),
    '--tls-key',
    join(dir, 'key.pem'),
  ]);
  assert.equal(missing.code, 2);
  assert.match(
    missing.stderr,
    /--tls-cert \S+absent\.pem cannot be read \(ENOENT\); give a readable PEM file/,
  );
  assert.equal((await harness.api('GET', '/proxies/nofile')).status, 404);
});

test('an http proxy whose upstream certificate is not trusted answers 502 saying the TLS handshake failed, with a tls.failed event and the metric', async (t) => {
  const pair = await ca.issue(['127.0.0.1']);
  const upstream = https.createServer(pair, (_request, response) => response.end('should not be reached'));
  upstream.listen(0, '127.0.0.1');
  await once(upstream, 'listening');
  t.after(() => upstream.close());
  const { port } = upstream.address() as AddressInfo;
  // No ca: the system's CAs, which do not know faultline's local CA.
  const proxy = await createProxy(harness, 'http_untrusted', `127.0.0.1:${port}`, {
    protocol: 'http',
    upstream_tls: {},
  });
  const reply = await run('curl', ['-sS', '-w', ' %{http_code}', `http://127.0.0.1:${proxy.port}/x`]);
  assert.match(
    reply.stdout,
    new RegExp(
      `^faultline: the TLS handshake with the upstream 127\\.0\\.0\\.1:${port} failed \\(SELF_SIGNED_CERT_IN_CHAIN: [^)]+\\); the proxy does not trust the CA of the upstream's certificate: give upstream_tls\\.ca the CA that signed it \\(faultline create --upstream-ca FILE\\)\\n 502$`,
    ),
  );
  const failure = events.find((event) => event.type === 'tls.failed' && event.proxy === 'http_untrusted');
  assert.equal(failure?.type === 'tls.failed' && failure.side, 'upstream');
  const metrics = await harness.api('GET', '/metrics');
  assert.match(
    metrics.text,
    /^faultline_tls_handshake_failures_total\{proxy="http_untrusted",side="upstream",code="SELF_SIGNED_CERT_IN_CHAIN"\} 1$/m,
  );
});

test('an upstream certificate for another name: the 502 and the tls.failed event say which names it carries and to set upstream_tls.servername', async (t) => {
  const pair = await ca.issue(['upstream.test']);
  const upstream = https.createServer(pair, (_request, response) => response.end('should not be reached'));
  upstream.listen(0, '127.0.0.1');
  await once(upstream, 'listening');
  t.after(() => upstream.close());
  const { port } = upstream.address() as AddressInfo;
  const hint =
    "; the upstream's certificate does not name the host the proxy checks (it names DNS:upstream.test): set upstream_tls.servername to a name it carries";
  const http = await createProxy(harness, 'http_other_name', `127.0.0.1:${port}`, {
    protocol: 'http',
    upstream_tls: { ca: ca.certificatePem },
  });
  const reply = await run('curl', ['-sS', '-w', ' %{http_code}', `http://127.0.0.1:${http.port}/`]);
  assert.ok(reply.stdout.startsWith('faultline: the TLS handshake with the upstream'), reply.stdout);
  assert.ok(reply.stdout.endsWith(`${hint}\n 502`), reply.stdout);
  const tcp = await createProxy(harness, 'tcp_other_name', `127.0.0.1:${port}`, {
    upstream_tls: { ca: ca.certificatePem },
  });
  const client = await connect(tcp.port);
  await readAll(client).catch(() => Buffer.alloc(0));
  const failure = () =>
    events.find((event) => event.type === 'tls.failed' && event.proxy === 'tcp_other_name') as
      { code: string; error: string } | undefined;
  await waitFor(() => failure() !== undefined, 'tls.failed');
  assert.equal(failure()!.code, 'ERR_TLS_CERT_ALTNAME_INVALID');
  assert.ok(failure()!.error.endsWith(hint), failure()!.error);
});

test('an http proxy checks its upstream against upstream_tls.servername, whatever Host the client sent', async (t) => {
  const pair = await ca.issue(['upstream.test']);
  const upstream = https.createServer(pair, (request, response) =>
    response.end(`sni ${(request.socket as tls.TLSSocket & { servername?: string }).servername}`),
  );
  upstream.listen(0, '127.0.0.1');
  await once(upstream, 'listening');
  t.after(() => upstream.close());
  const { port } = upstream.address() as AddressInfo;
  const proxy = await createProxy(harness, 'http_servername', `127.0.0.1:${port}`, {
    protocol: 'http',
    upstream_tls: { ca: ca.certificatePem, servername: 'upstream.test' },
  });
  for (const host of ['localhost', 'app.example', '127.0.0.1']) {
    const reply = await run('curl', ['-sS', '-H', `Host: ${host}`, `http://127.0.0.1:${proxy.port}/`]);
    assert.equal(reply.stdout, 'sni upstream.test', `with Host: ${host}`);
  }
});

test('upstream_tls.servername given as an address is what the certificate is checked against, and is not sent as SNI (RFC 6066)', async (t) => {
  const pair = await ca.issue(['127.0.0.2']);
  const upstream = https.createServer(pair, (request, response) =>
    response.end(`sni ${(request.socket as tls.TLSSocket & { servername?: string | false }).servername}`),
  );
  upstream.listen(0, '127.0.0.1');
  await once(upstream, 'listening');
  t.after(() => upstream.close());
  const { port } = upstream.address() as AddressInfo;
  const warnings: string[] = [];
  const onWarning = (warning: Error) => warnings.push(warning.name);
  process.on('warning', onWarning);
  t.after(() => process.off('warning', onWarning));
  const proxy = await createProxy(harness, 'http_address_servername', `127.0.0.1:${port}`, {
    protocol: 'http',
    upstream_tls: { ca: ca.certificatePem, servername: '127.0.0.2' },
  });
  const reply = await run('curl', ['-sS', `http://127.0.0.1:${proxy.port}/`]);
  assert.equal(reply.stdout, 'sni false');
  const tcp = await createProxy(harness, 'tcp_address_servername', `127.0.0.1:${port}`, {
    upstream_tls: { ca: ca.certificatePem, servername: '127.0.0.2' },
  });
  const client = await connect(tcp.port);
  client.end('GET / HTTP/1.0\r\n\r\n');
  assert.match((await readAll(client)).toString(), /\r\n\r\nsni false$/);
  const other = await createProxy(harness, 'tcp_other_address', `127.0.0.1:${port}`, {
    upstream_tls: { ca: ca.certificatePem, servername: '127.0.0.3' },
  });
  await readAll(await connect(other.port)).catch(() => Buffer.alloc(0));
  await waitFor(
    () => events.some((event) => event.type === 'tls.failed' && event.proxy === 'tcp_other_address'),
    'tls.failed for the other address',
  );
  assert.deepEqual(warnings, [], "Node's DEP0123 warning for an address as SNI");
});

test('a tls.failed event says what the client did: plain HTTP to a TLS port, or ALPN without the protocol the proxy speaks', async () => {
  const echo = await startEchoServer();
  const plain = await createProxy(harness, 'tls_said_plain', `127.0.0.1:${echo.port}`, {
    protocol: 'http',
    tls: { auto: true },
  });
  const client = await connect(plain.port);
  client.end('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
  // The client is answered in plain HTTP, as nginx and Go answer, not left with an empty reply.
  const answer = (await readAll(client)).toString();
  assert.match(answer, /^HTTP\/1\.1 400 Bad Request\r\n/);
  assert.ok(
    answer.endsWith(
      `\r\n\r\nfaultline: this port terminates TLS and the client sent plain HTTP: use https://127.0.0.1:${plain.port}/\n`,
    ),
    answer,
  );
  const curl = await run('curl', ['-sS', '-w', ' %{http_code}', `http://127.0.0.1:${plain.port}/`]);
  assert.ok(curl.stdout.endsWith(`use https://127.0.0.1:${plain.port}/\n 400`), curl.stdout);
  const h2 = await createProxy(harness, 'tls_said_alpn', `127.0.0.1:${echo.port}`, {
    protocol: 'http2',
    tls: { auto: true },
  });
  await tlsRoundTrip(h2.port, '', { ALPNProtocols: ['http/1.1'] }).catch(() => '');
  const failure = (proxy: string) =>
    events.find((event) => event.type === 'tls.failed' && event.proxy === proxy) as
      { code: string; error: string } | undefined;
  await waitFor(() => Boolean(failure('tls_said_plain') && failure('tls_said_alpn')), 'tls.failed');
  assert.equal(failure('tls_said_plain')?.code, 'ERR_SSL_HTTP_REQUEST');
  assert.match(failure('tls_said_plain')!.error, /plain HTTP .*https:\/\//);
  assert.equal(failure('tls_said_alpn')?.code, 'ERR_SSL_NO_APPLICATION_PROTOCOL');
  assert.match(failure('tls_said_alpn')!.error, /ALPN h2\b.*protocol http\b/);
});

test('a proxy listening on localhost gets a certificate for the address it shows (127.0.0.1) as well as for localhost', async () => {
  const echo = await startEchoServer();
  const created = await harness.api('POST', '/proxies', {
    name: 'tls_localhost',
    listen: 'localhost:0',
    upstream: `127.0.0.1:${echo.port}`,
    tls: { auto: true },
  });
  assert.equal(created.status, 201, created.text);
  const [host, port] = created.json.listen.split(':');
  assert.equal(host, '127.0.0.1');
  assert.equal(await tlsRoundTrip(Number(port), 'by the address shown'), 'by the address shown');
  assert.equal(await tlsRoundTrip(Number(port), 'by name', { servername: 'localhost' }), 'by name');
});

test('a tls.failed event says when the client does not trust the certificate, or speaks too old a TLS', async () => {
  const echo = await startEchoServer();
  const auto = await createProxy(harness, 'tls_untrusted_auto', `127.0.0.1:${echo.port}`, {
    tls: { auto: true },
  });
  const given = await createProxy(harness, 'tls_untrusted_given', `127.0.0.1:${echo.port}`, {
    tls: await ca.issue(['127.0.0.1']),
  });
  // curl without --cacert refuses the certificate with OpenSSL's "unknown ca" alert.
  for (const port of [auto.port, given.port])
    await assert.rejects(run('curl', ['-sS', `https://127.0.0.1:${port}/`]), { code: 60 });
  const old = spawn('openssl', ['s_client', '-tls1_1', '-connect', `127.0.0.1:${auto.port}`], {
    stdio: 'ignore',
  });
  await once(old, 'exit');
  const failures = (proxy: string) =>
    events.filter((event) => event.type === 'tls.failed' && event.proxy === proxy) as Array<{
      code: string;
      error: string;
    }>;
  await waitFor(
    () => failures('tls_untrusted_auto').length === 2 && failures('tls_untrusted_given').length === 1,
    'tls.failed',
  );
  const [unknownCa, tooOld] = failures('tls_untrusted_auto');
  assert.equal(unknownCa?.code, 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA');
  assert.equal(
    unknownCa?.error,
    "the client does not trust the CA of the proxy's certificate (tlsv1 alert unknown ca): give the client faultline's local CA, which issued it (faultline ca -h SERVER --pem > faultline-ca.pem; curl --cacert faultline-ca.pem)",
  );
  assert.match(
    failures('tls_untrusted_given')[0]!.error,
    /\(tlsv1 alert unknown ca\): give the client the CA that signed tls\.cert$/,
  );
  assert.equal(tooOld?.code, 'ERR_SSL_UNSUPPORTED_PROTOCOL');
  assert.equal(
    tooOld?.error,
    'the client offered only TLS versions older than the proxy accepts (unsupported protocol): it speaks TLSv1.2 and later',
  );
});

test('an http2 proxy whose https upstream speaks only HTTP/1.1 answers 502 saying so, not only "no application protocol"', async (t) => {
  const pair = await ca.issue(['127.0.0.1']);
  const upstream = https.createServer({ ...pair, ALPNProtocols: ['http/1.1'] }, (_request, response) =>
    response.end('http/1.1 only'),
  );
  upstream.listen(0, '127.0.0.1');
  await once(upstream, 'listening');
  t.after(() => upstream.close());
  const { port } = upstream.address() as AddressInfo;
  const proxy = await createProxy(harness, 'h2_to_h1', `127.0.0.1:${port}`, {
    protocol: 'http2',
    upstream_tls: { ca: ca.certificatePem },
  });
  const reply = await run('curl', [
    '-s',
    '-w',
    '\n%{http_code}',
    '--http2-prior-knowledge',
    `http://127.0.0.1:${proxy.port}/`,
  ]);
  const status = reply.stdout.slice(reply.stdout.lastIndexOf('\n') + 1);
  assert.equal(status, '502');
  assert.match(
    reply.stdout,
    /NO_APPLICATION_PROTOCOL.*the upstream does not speak HTTP\/2 over TLS \(ALPN h2\).*protocol http\b/,
  );
});
