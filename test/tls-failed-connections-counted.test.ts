import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { test } from 'node:test';
import tls from 'node:tls';
import { openLocalCa } from '../src/system/local-ca.js';
import { createProxy, startEchoServer, startHarness, tempDirectory, waitFor } from './helpers.js';

const ca = await openLocalCa(join(tempDirectory('tls-failed-counted'), 'ca'));
const harness = await startHarness({ issueCertificate: (hosts) => ca.issue(hosts) });
const echo = await startEchoServer();
const opened: string[] = [];
harness.engine.events.on((event) => {
  if (event.type === 'connection.opened') opened.push(event.proxy);
});

/** openssl s_client with no CA to trust: it refuses the proxy's certificate with an "unknown ca" alert. */
async function opensslRefuses(port: number): Promise<void> {
  const child = spawn('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-verify_return_error'], {
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  child.stdin.end();
  const [status] = (await once(child, 'exit')) as [number | null];
  assert.notEqual(status, 0, 'openssl s_client failed its handshake');
}

/** Node's tls with no CA to trust: it closes the connection during the handshake. */
function nodeRefuses(port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = tls.connect({ host: '127.0.0.1', port });
    socket.once('secureConnect', () => {
      socket.destroy();
      resolve(undefined);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code));
  });
}

/** A handshake that succeeds; the client leaves once the proxy has opened the connection. */
async function nodeTrusts(port: number, proxy: string): Promise<void> {
  const socket = tls.connect({ host: '127.0.0.1', port, ca: ca.certificatePem });
  await once(socket, 'secureConnect');
  await waitFor(() => opened.includes(proxy), 'the connection that passed its handshake opened');
  socket.destroy();
}

async function metric(pattern: RegExp): Promise<number> {
  const text = (await harness.api('GET', '/metrics')).text;
  return [...text.matchAll(pattern)].reduce((sum, match) => sum + Number(match[1]), 0);
}

for (const protocol of ['tcp', 'http', 'http2']) {
  test(`a ${protocol} proxy with tls counts a client whose handshake failed as a connection accepted`, async () => {
    const name = `counted_${protocol}`;
    const proxy = await createProxy(harness, name, echo.address, { protocol, tls: { auto: true } });
    await opensslRefuses(proxy.port);
    assert.notEqual(await nodeRefuses(proxy.port), undefined, "node's client refused the certificate");
    await nodeTrusts(proxy.port, name);
    const labels = `proxy="${name}"`;
    await waitFor(
      async () =>
        (await metric(
          new RegExp(`^faultline_tls_handshake_failures_total\\{${labels},[^}]*\\} (\\d+)$`, 'gm'),
        )) === 2,
      'two failed handshakes counted',
    );
    assert.equal(
      await metric(new RegExp(`^faultline_connections_total\\{${labels}\\} (\\d+)$`, 'gm')),
      3,
      'two connections that failed the handshake and one that passed',
    );
  });
}
