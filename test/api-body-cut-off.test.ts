import assert from 'node:assert/strict';
import { once } from 'node:events';
import { EventEmitter } from 'node:events';
import net from 'node:net';
import pino from 'pino';
import { test } from 'node:test';
import { startHarness } from './helpers.js';

test('a client that closes before its body ends is logged as a bad body, not as a bug of the server', async () => {
  const lines = new EventEmitter();
  const logger = pino(
    { level: 'debug' },
    { write: (line: string) => void lines.emit('line', JSON.parse(line)) },
  );
  const { port, engine, http } = await startHarness({}, { logger });
  const logged = new Promise<Record<string, unknown>>((resolve) =>
    lines.on('line', (line: Record<string, unknown>) => {
      if (line.request_id !== undefined) resolve(line);
    }),
  );
  const client = net.connect(port, '127.0.0.1');
  await once(client, 'connect');
  const received = once(http, 'request');
  client.write(
    `POST /proxies HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n{"name":"half","listen":"127.0.0.1:0"`,
  );
  // Once the server has the head and is reading the body, the client goes.
  await received;
  client.destroy();
  const line = await logged;
  assert.ok((line.level as number) < 50, `logged as an error of the server: ${JSON.stringify(line)}`);
  assert.match(
    String(line.msg),
    /bad request body: unexpected EOF: the client closed the connection after \d+ bytes of the body \(Content-Length said 100\)/,
  );
  assert.deepEqual(engine.list(), []);
});
