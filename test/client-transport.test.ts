import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import type net from 'node:net';
import { after, test } from 'node:test';
import { createClient, FaultlineApiError } from '../src/client/index.js';
import { startTcpServer } from './helpers.js';

/** A stand-in control API that counts the TCP connections its clients open. */
const connections: net.Socket[] = [];
const api = http.createServer((request, response) => {
  if (request.url === '/version') {
    response.writeHead(200, { 'Content-Type': 'application/json' });
    response.end(JSON.stringify({ version: '2.12.0', faultline: 'test' }));
  } else if (request.url?.startsWith('/events')) {
    response.writeHead(503, 'Busy', { 'Content-Type': 'application/json' });
    response.end(
      JSON.stringify({ error: 'events are off', code: 'FAULTLINE_ERR_TEST', hint: 'turn them on' }),
    );
  } else {
    response.writeHead(404);
    response.end('no such route');
  }
});
api.on('connection', (socket: net.Socket) => connections.push(socket));
api.listen(0, '127.0.0.1');
await once(api, 'listening');
const url = `http://127.0.0.1:${(api.address() as net.AddressInfo).port}`;
// Accepts connections and never answers.
let onSilentConnection: (() => void) | undefined;
const silent = await startTcpServer(() => onSilentConnection?.());
after(() => {
  api.closeAllConnections();
  api.close();
});

test('calls of one client share a kept-alive connection', async () => {
  const client = createClient({ url });
  const before = connections.length;
  for (let call = 0; call < 3; call++) assert.equal((await client.version()).faultline, 'test');
  assert.equal(connections.length - before, 1);
});

test('a server that does not answer in time is a timeout, not a server to start', async () => {
  const client = createClient({ url: `127.0.0.1:${silent.port}`, timeout: 200 });
  const error = await client.version().catch((caught: unknown) => caught);
  assert.ok(error instanceof FaultlineApiError);
  assert.equal(error.code, 'FAULTLINE_ERR_TIMEOUT');
  assert.equal(error.status, 0);
  assert.equal(
    error.reason,
    `version: the faultline server at http://127.0.0.1:${silent.port} did not answer within 200 ms`,
  );
  assert.match(error.hint ?? '', /busy or stuck.*timeout option/);
  assert.equal((error.cause as Error).name, 'TimeoutError');
});

test('a refused connection names the system error', async () => {
  const error = await createClient({ url: '127.0.0.1:9' })
    .version()
    .catch((caught: unknown) => caught);
  assert.ok(error instanceof FaultlineApiError);
  assert.match(
    error.message,
    /^cannot reach the faultline server at http:\/\/127\.0\.0\.1:9 \(ECONNREFUSED\);/,
  );
});

test('aborting a call in flight rejects with the signal reason', async () => {
  const client = createClient({ url: `127.0.0.1:${silent.port}` });
  const controller = new AbortController();
  const connected = new Promise<void>((resolve) => (onSilentConnection = resolve));
  const pending = client.version({ signal: controller.signal });
  await connected;
  controller.abort(new Error('stopped by the test'));
  await assert.rejects(pending, { message: 'stopped by the test' });
});

test('an unsupported scheme is refused with what to use', async () => {
  const error = await createClient({ url: 'ftp://127.0.0.1:21' })
    .version()
    .catch((caught: unknown) => caught);
  assert.ok(error instanceof FaultlineApiError);
  // Said as a scheme to change, not as a server that is down (ERR_INVALID_PROTOCOL).
  assert.equal(
    error.message,
    'cannot reach the faultline server at ftp://127.0.0.1: it is a ftp URL, and the control API is served over http (or https); give it as http://HOST:PORT',
  );
  assert.match(
    String((error.cause as Error).message),
    /unsupported scheme "ftp:" \(use http:\/\/ or https:\/\/\)/,
  );
});

test('an error status on the event stream is a typed error with the server text', async () => {
  const client = createClient({ url });
  const error = await (async () => {
    for await (const event of client.events()) assert.fail(`no event expected, got ${event.type}`);
  })().catch((caught: unknown) => caught);
  assert.ok(error instanceof FaultlineApiError);
  assert.equal(error.status, 503);
  assert.equal(error.code, 'FAULTLINE_ERR_TEST');
  assert.equal(error.reason, 'follow events: HTTP 503: events are off');
  assert.equal(error.message, 'follow events: HTTP 503: events are off: turn them on');
  assert.equal(error.hint, 'turn them on');
});

test('a kept-alive connection the server closed is replaced, not reported as a server to start', async () => {
  const client = createClient({ url });
  await client.version();
  const before = connections.length;
  // Closed in the same tick as the next call: the client has not yet seen it go.
  connections.at(-1)!.destroy();
  assert.equal((await client.version()).faultline, 'test');
  assert.equal(connections.length, before + 1);
});

test('a call after the server stopped says it is not answering, not that it reset', async () => {
  const server = http.createServer((_request, response) => response.end('{"version":"2.12.0"}'));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const stopped = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  const client = createClient({ url: stopped });
  await client.version();
  server.closeAllConnections();
  server.close();
  await assert.rejects(client.version(), (error: FaultlineApiError) => {
    assert.equal(error.code, 'FAULTLINE_ERR_UNREACHABLE');
    assert.match(
      error.reason,
      /^cannot reach the faultline server at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\); start one/,
    );
    return true;
  });
});

test('https to the plain http control API says to use http, not to start a server', async () => {
  const secure = url.replace('http://', 'https://');
  await assert.rejects(createClient({ url: secure }).version(), {
    code: 'FAULTLINE_ERR_UNREACHABLE',
    reason: `cannot reach the faultline server at ${secure}: what answers there does not speak TLS (EPROTO), and a faultline server serves its control API over plain http: give it as ${url}`,
  });
});
