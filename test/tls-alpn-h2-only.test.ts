import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import tls from 'node:tls';
import type { EngineEvent } from '../src/model/events.js';
import { openLocalCa } from '../src/system/local-ca.js';
import { createProxy, startEchoServer, startHarness, tempDirectory, waitFor } from './helpers.js';

/**
 * A client that offers only h2 to an https proxy of protocol http is refused ("no application
 * protocol", as nginx refuses it), and the tls.failed event says which proxy it needs.
 */

const ca = await openLocalCa(join(tempDirectory('tls-alpn-h2-only'), 'ca'));
const harness = await startHarness({ issueCertificate: (hosts) => ca.issue(hosts) });
const events: EngineEvent[] = [];
harness.engine.events.on((event) => events.push(event));

test('a client offering only h2 to an http proxy is told to use a proxy with protocol http2', async () => {
  const echo = await startEchoServer();
  const proxy = await createProxy(harness, 'h1_only', `127.0.0.1:${echo.port}`, {
    protocol: 'http',
    tls: { auto: true },
  });
  await new Promise<void>((resolve) => {
    const socket = tls.connect({
      host: '127.0.0.1',
      port: proxy.port,
      ALPNProtocols: ['h2'],
      rejectUnauthorized: false,
    });
    socket.on('error', () => resolve());
    socket.on('close', () => resolve());
  });
  const failure = () => events.find((event) => event.type === 'tls.failed' && event.proxy === 'h1_only');
  await waitFor(() => failure() !== undefined, 'the tls.failed event');
  const event = failure();
  assert.ok(event?.type === 'tls.failed');
  assert.equal(event.code, 'ERR_SSL_NO_APPLICATION_PROTOCOL');
  assert.equal(
    event.error,
    'the client offered none of the protocols this proxy speaks over TLS (ALPN http/1.1; no application protocol): a client that speaks only HTTP/2 (ALPN h2, as gRPC clients) needs a proxy with protocol http2',
  );
});
