import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { after, test } from 'node:test';
import pino from 'pino';
import { MAX_EVENT_SUBSCRIBERS, MAX_UNREAD_EVENT_BYTES } from '../src/server/event-stream.js';
import { startHarness } from './helpers.js';

test('a subscriber to /events that stops reading is dropped, so unread events cannot fill the memory', async () => {
  const logged: Array<{ level: number; msg: string; unread_bytes?: number }> = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void logged.push(JSON.parse(line)) });
  const { engine, port, http } = await startHarness({}, { logger });
  const accepted: net.Socket[] = [];
  http.on('connection', (socket: net.Socket) => accepted.push(socket));
  const reader = net.connect(port, '127.0.0.1');
  after(() => reader.destroy());
  reader.write(`GET /events HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
  await once(reader, 'data');
  reader.pause();
  const served = accepted[0]!;
  const detail = 'x'.repeat(64 * 1024);
  // Far more than the kernel's buffers and the cap together: 32 MiB of events nobody reads.
  for (let sent = 0; sent < 512 && !served.destroyed; sent++) {
    engine.events.emit({
      type: 'protocol.mismatch',
      proxy: 'p',
      connection: sent,
      client: '127.0.0.1:1',
      received: 'unknown',
      detail,
      answer: 'closed',
    });
  }
  assert.ok(served.destroyed, 'the server still holds the unread events of a subscriber that reads nothing');
  assert.ok(served.writableLength <= MAX_UNREAD_EVENT_BYTES + detail.length * 2);
  // The client cannot be told (it reads nothing): the server's log says it.
  const dropped = logged.filter((line) => /fell behind/.test(line.msg));
  assert.equal(dropped.length, 1, JSON.stringify(logged.map((line) => line.msg)));
  assert.equal(dropped[0]!.level, 40);
  assert.ok(dropped[0]!.unread_bytes! > MAX_UNREAD_EVENT_BYTES);
});

test('a subscriber that reads gets every event, however many', async () => {
  const { engine, port } = await startHarness();
  const reader = net.connect(port, '127.0.0.1');
  after(() => reader.destroy());
  reader.write(`GET /events HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
  await once(reader, 'data');
  let received = '';
  reader.setEncoding('utf8');
  reader.on('data', (text: string) => (received += text));
  const detail = 'y'.repeat(16 * 1024);
  const count = 256;
  for (let sent = 0; sent < count; sent++) {
    engine.events.emit({
      type: 'protocol.mismatch',
      proxy: 'p',
      connection: sent,
      client: '127.0.0.1:1',
      received: 'unknown',
      detail,
      answer: 'closed',
    });
    // Let the socket drain between events, as a steady stream of events does.
    if (sent % 8 === 7) await new Promise((resolve) => setImmediate(resolve));
  }
  while (!received.includes(`"connection":${count - 1},`)) await once(reader, 'data');
  assert.equal(received.split('event: protocol.mismatch').length - 1, count);
});

test(`at most ${MAX_EVENT_SUBSCRIBERS} clients follow /events at once; the next is refused, saying so`, async () => {
  const { port } = await startHarness();
  const followers: net.Socket[] = [];
  after(() => {
    for (const follower of followers) follower.destroy();
  });
  const follow = async () => {
    const socket = net.connect(port, '127.0.0.1');
    followers.push(socket);
    socket.write(`GET /events HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
    const [chunk] = (await once(socket, 'data')) as [Buffer];
    return String(chunk);
  };
  for (let count = 0; count < MAX_EVENT_SUBSCRIBERS; count++)
    assert.match(await follow(), /^HTTP\/1\.1 200 /);
  const refused = await follow();
  assert.match(refused, /^HTTP\/1\.1 403 /);
  assert.match(refused, /too many event subscribers/);
  // One goes away: its place is free again.
  const gone = once(followers[0]!, 'close');
  followers[0]!.destroy();
  await gone;
  // The server may see the close just after the client does: refusals until then.
  let answer = await follow();
  for (let tries = 0; tries < 100 && answer.startsWith('HTTP/1.1 403'); tries++) answer = await follow();
  assert.match(answer, /^HTTP\/1\.1 200 /);
});
