import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import tls from 'node:tls';
import { openLocalCa } from '../src/system/local-ca.js';
import { createProxy, startHarness, tempDirectory, waitFor } from './helpers.js';

/**
 * The toxics that reset a connection (refuse, limit_time's reset, reset_peer) send a TCP RST. A
 * TLS socket has no TCP handle of its own (Node's resetAndDestroy throws ERR_INVALID_HANDLE_TYPE
 * on it), so a proxy that terminates or originates TLS resets the TCP connection under it: the
 * peer sees ECONNRESET, and the server goes on. Before, the throw took the whole server down.
 */
const ca = await openLocalCa(join(tempDirectory('tls-reset'), 'ca'));
const harness = await startHarness({ issueCertificate: (hosts) => ca.issue(hosts) });

/** A TLS echo server, counting the connections that closed. */
const pair = await ca.issue(['127.0.0.1']);
let upstreamClosed = 0;
const upstream = tls.createServer(pair, (socket) => {
  socket.on('error', () => undefined);
  socket.on('close', () => (upstreamClosed += 1));
  socket.pipe(socket);
});
upstream.listen(0, '127.0.0.1');
await once(upstream, 'listening');
after(() => upstream.close());
const upstreamAddress = `127.0.0.1:${(upstream.address() as AddressInfo).port}`;

/** What a client sees of an RST: on a read ECONNRESET, on a write that meets it EPIPE. */
const RESET = /^(ECONNRESET|EPIPE)$/;

/** Connects over TLS, sends `message`, and resolves with what came back, or the error's code. */
function exchange(port: number, message: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = tls.connect({ host: '127.0.0.1', port, ca: ca.certificatePem }, () =>
      socket.write(message),
    );
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      text += chunk;
      if (text === message) socket.end();
    });
    socket.on('end', () => resolve(text));
    socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
  });
}

/** The proxy's connections still open (faultline_connections_active). */
const open = (proxy: string) => (harness.engine.get(proxy) as unknown as { connections: number }).connections;

async function addToxic(proxy: string, toxic: object) {
  const reply = await harness.api('POST', `/proxies/${proxy}/toxics`, toxic);
  assert.equal(reply.status, 200, reply.text);
}

// A timeout, so that a reset that hangs the server fails the file rather than stalling it.
describe('toxics that reset a TLS connection', { timeout: 30_000 }, () => {
  it('refuse on a proxy that terminates TLS: the client sees ECONNRESET, the next one is served', async () => {
    const proxy = await createProxy(harness, 'refusing', upstreamAddress, {
      tls: { auto: true },
      upstream_tls: { ca: ca.certificatePem },
    });
    await addToxic(proxy.name, { name: 'down', type: 'refuse', attributes: { first: 1 } });
    assert.match(await exchange(proxy.port, 'one'), RESET);
    assert.equal(await exchange(proxy.port, 'two'), 'two');
    await waitFor(() => open(proxy.name) === 0, 'no connection left open');
  });

  it('limit_time reset: the TLS client sees ECONNRESET, the TLS upstream its connection closed too', async () => {
    const proxy = await createProxy(harness, 'timed', upstreamAddress, {
      tls: { auto: true },
      upstream_tls: { ca: ca.certificatePem },
    });
    await addToxic(proxy.name, { name: 'cut', type: 'limit_time', attributes: { time: 50 } });
    const closedBefore = upstreamClosed;
    const socket = tls.connect({ host: '127.0.0.1', port: proxy.port, ca: ca.certificatePem });
    const [error] = (await once(socket, 'error')) as [NodeJS.ErrnoException];
    assert.match(error.code ?? '', RESET);
    // It is reset too (tls-upstream-reset checks the ECONNRESET it sees).
    await waitFor(() => upstreamClosed > closedBefore, 'the upstream to see its connection close');
    await waitFor(() => open(proxy.name) === 0, 'the reset connection to close');
  });

  it('reset_peer: the server keeps serving after resetting a TLS connection', async () => {
    const proxy = await createProxy(harness, 'peer', upstreamAddress, {
      tls: { auto: true },
      upstream_tls: { ca: ca.certificatePem },
    });
    await addToxic(proxy.name, { name: 'rst', type: 'reset_peer', attributes: { timeout: 0, first: 1 } });
    assert.match(await exchange(proxy.port, 'ping'), RESET);
    assert.equal(await exchange(proxy.port, 'pong'), 'pong');
    await waitFor(() => open(proxy.name) === 0, 'no connection left open');
  });
});
