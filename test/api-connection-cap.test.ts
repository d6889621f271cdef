import assert from 'node:assert/strict';
import { EventEmitter, once } from 'node:events';
import net from 'node:net';
import { after, test } from 'node:test';
import pino from 'pino';
import { startHarness } from './helpers.js';

/** Connects, sends `text` at once, and resolves with all the server sent once it closes. */
async function exchange(port: number, text: string): Promise<string> {
  const socket = net.connect(port, '127.0.0.1');
  socket.write(text);
  let received = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => (received += chunk));
  await once(socket, 'close');
  return received;
}

test('past --max-api-connections a new client is answered 503 with the reason, logged once per burst', async () => {
  const lines = new EventEmitter();
  const logged: Array<{ level: number; msg: string; refused?: number }> = [];
  const logger = pino(
    { level: 'info' },
    { write: (line: string) => void lines.emit('line', JSON.parse(line)) },
  );
  lines.on('line', (line: { level: number; msg: string }) => logged.push(line));
  const max = 5;
  const { port, http, engine, api } = await startHarness({}, { logger, maxConnections: max });
  const idle: net.Socket[] = [];
  after(() => idle.forEach((socket) => socket.destroy()));
  let accepted = 0;
  http.on('connection', () => accepted++);
  for (let count = 0; count < max; count++) idle.push(net.connect(port, '127.0.0.1'));
  while (accepted < max) await once(http, 'connection');

  const create = `POST /proxies HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 60\r\n\r\n${JSON.stringify({ name: 'over', listen: '127.0.0.1:0', upstream: '127.0.0.1:9' }).padEnd(60)}`;
  const answers = [];
  for (let count = 0; count < 3; count++) answers.push(await exchange(port, create));
  for (const answer of answers) {
    assert.match(answer, /^HTTP\/1\.1 503 Service Unavailable\r\n/);
    assert.match(answer, /\r\nConnection: close\r\n/);
    const body = JSON.parse(answer.split('\r\n\r\n')[1]!);
    assert.equal(body.error, 'too many connections');
    assert.equal(body.code, 'FAULTLINE_ERR_TOO_MANY_CONNECTIONS');
    assert.match(body.hint, /already holds 5 connections.*--max-api-connections/);
  }
  const warnings = logged.filter((line) => line.level === 40);
  assert.equal(warnings.length, 1, 'one warning for the burst, not one per connection');
  assert.match(warnings[0]!.msg, /refusing control API connections: 5 are open/);

  // A client that never closes its side of a refused connection does not keep it.
  const served = new Promise<net.Socket>((resolve) => http.once('connection', resolve));
  const holder = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
  after(() => holder.destroy());
  await once(await served, 'close');

  // One idle client goes: the next is served, and the log says how many were refused.
  const summary = new Promise((resolve) =>
    lines.on('line', (line: { refused?: number }) => line.refused !== undefined && resolve(line)),
  );
  idle.pop()!.destroy();
  assert.deepEqual(
    await summary,
    logged.find((line) => line.refused !== undefined),
  );
  assert.equal(logged.find((line) => line.refused !== undefined)!.refused, 4);
  assert.equal((await api('GET', '/version')).status, 200);
  assert.deepEqual(
    engine.list().map((proxy) => proxy.name),
    [],
    'a request on a refused connection was served',
  );
});
