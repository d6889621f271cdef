import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { after, test } from 'node:test';
import { startHarness } from './helpers.js';

test('a client that never finishes its head gets a 408 once the 15 s headersTimeout is past, not 15 s later', async () => {
  const { port } = await startHarness();
  const client = net.connect(port, '127.0.0.1');
  after(() => client.destroy());
  client.write('GET /version HTTP/1.1\r\nHost: 127.0.0.1\r\n');
  const started = process.hrtime.bigint();
  let received = '';
  client.setEncoding('utf8');
  client.on('data', (chunk: string) => (received += chunk));
  await once(client, 'close');
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  assert.match(received, /^HTTP\/1\.1 408 /);
  // node:http checks its timeouts every 30 s unless told otherwise: the head then had 30 to 45 s.
  assert.ok(seconds >= 14 && seconds < 25, `closed after ${seconds.toFixed(1)} s`);
});
