import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { startHarness } from './helpers.js';

/** Writes `text` on a new connection; resolves with what came back when the server closes it. */
function exchange(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(text));
    let received = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (received += chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(received));
  });
}

test('a body whose Content-Length is over 1 MiB is refused at once, and its connection closes', async () => {
  const { port } = await startHarness();
  // The body never comes: the server answered before it waited 30 s for it, and did not wait on.
  const reply = await exchange(
    port,
    `POST /proxies HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Length: 99999999999\r\n\r\n{}`,
  );
  assert.match(reply, /^HTTP\/1\.1 413 Payload Too Large\r\n/);
  assert.match(reply, /\r\nConnection: close\r\n/i);
  assert.match(reply, /Content-Length says 99999999999 bytes; the limit is 1048576 bytes/);
});
