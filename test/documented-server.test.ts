import assert from 'node:assert/strict';
import http from 'node:http';
import { describe, test } from 'node:test';
import {
  connect,
  createProxy,
  readAll,
  readBytes,
  startEchoServer,
  startHarness,
  waitFor,
} from './helpers.js';

const harness = await startHarness();
const echo = await startEchoServer();

interface SseEvent {
  id: string;
  type: string;
  data: any;
}

/** Opens /events and collects events; `subscribed` holds once the server has registered the stream. */
function subscribe(query = '', headers: Record<string, string> = {}) {
  const events: SseEvent[] = [];
  const state = { subscribed: false, buffer: '' };
  const request = http.get(
    `${harness.url}/events${query}`,
    { headers: { 'User-Agent': 'test', ...headers } },
    (response) => {
      state.subscribed = true;
      response.setEncoding('utf8');
      response.on('data', (text: string) => {
        state.buffer += text;
        const blocks = state.buffer.split('\n\n');
        state.buffer = blocks.pop()!;
        for (const block of blocks) {
          const fields = new Map<string, string>();
          for (const line of block.split('\n')) {
            const colon = line.indexOf(': ');
            if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 2));
          }
          if (fields.has('event')) {
            events.push({
              id: fields.get('id')!,
              type: fields.get('event')!,
              data: JSON.parse(fields.get('data')!),
            });
          }
        }
      });
    },
  );
  request.on('error', () => undefined);
  return { events, subscribed: () => state.subscribed, stop: () => request.destroy() };
}

describe('/events (docs/metrics.md)', () => {
  test('connection.opened and connection.closed carry the connection number, client and bytes', async () => {
    const stream = subscribe('?types=connection&proxy=conn');
    await waitFor(stream.subscribed, 'subscription');
    const proxy = await createProxy(harness, 'conn', echo.address);
    const client = await connect(proxy.port);
    const clientAddress = `127.0.0.1:${client.localPort}`;
    client.write('hello');
    await readBytes(client, 5);
    client.end();
    await waitFor(
      () => stream.events.some((event) => event.type === 'connection.closed'),
      'connection.closed',
    );
    assert.deepEqual(
      stream.events.map((event) => event.type),
      ['connection.opened', 'connection.closed'],
    );
    const [opened, closed] = stream.events as [SseEvent, SseEvent];
    assert.equal(opened.data.proxy, 'conn');
    assert.equal(closed.data.connection, opened.data.connection);
    assert.equal(opened.data.client, clientAddress);
    assert.deepEqual(closed.data.bytes, { upstream: 5, downstream: 5 });
    assert.equal(typeof closed.data.durationMs, 'number');
    stream.stop();
  });

  test('toxic.updated carries the new toxic and its explanation; toxic.removed follows', async () => {
    const stream = subscribe('?types=toxic&proxy=upd');
    await waitFor(stream.subscribed, 'subscription');
    await createProxy(harness, 'upd', echo.address);
    await harness.api('POST', '/proxies/upd/toxics', {
      name: 'lag',
      type: 'latency',
      attributes: { latency: 5 },
    });
    const updated = await harness.api('POST', '/proxies/upd/toxics/lag', { attributes: { latency: 70 } });
    assert.equal(updated.status, 200, updated.text);
    await harness.api('DELETE', '/proxies/upd/toxics/lag');
    await waitFor(() => stream.events.length === 3, 'three toxic events');
    assert.deepEqual(
      stream.events.map((event) => event.type),
      ['toxic.added', 'toxic.updated', 'toxic.removed'],
    );
    const update = stream.events[1]!.data;
    assert.equal(update.toxic.attributes.latency, 70);
    assert.equal(update.explanation, 'lag: on every connection, delays data by 70 ms (downstream)');
    stream.stop();
  });

  test('the Last-Event-ID header replays exactly the events after that id', async () => {
    const live = subscribe('?proxy=replayed');
    await waitFor(live.subscribed, 'subscription');
    await createProxy(harness, 'replayed', echo.address);
    await harness.api('POST', '/proxies/replayed/toxics', { name: 'one', type: 'noop' });
    await harness.api('POST', '/proxies/replayed/toxics', { name: 'two', type: 'noop' });
    await waitFor(() => live.events.length === 3, 'three events');
    const ids = live.events.map((event) => Number(event.id));
    assert.deepEqual([ids[1]! - ids[0]!, ids[2]! - ids[1]!], [1, 1], 'consecutive ids');
    const resumed = subscribe('?proxy=replayed', { 'Last-Event-ID': String(ids[0]) });
    await waitFor(() => resumed.events.length === 2, 'two replayed events');
    assert.deepEqual(
      resumed.events.map((event) => [Number(event.id), event.type, event.data.toxic.name]),
      [
        [ids[1], 'toxic.added', 'one'],
        [ids[2], 'toxic.added', 'two'],
      ],
    );
    live.stop();
    resumed.stop();
  });

  test('without Last-Event-ID or since nothing is replayed', async () => {
    const fresh = subscribe('?proxy=replayed');
    await waitFor(fresh.subscribed, 'subscription');
    await harness.api('POST', '/proxies/replayed/toxics', { name: 'three', type: 'noop' });
    await waitFor(() => fresh.events.length >= 1, 'the new event');
    assert.deepEqual(
      fresh.events.map((event) => event.data.toxic.name),
      ['three'],
    );
    fresh.stop();
  });
});

describe('HTTP methods (docs/api.md)', () => {
  test('a known path with another method answers 405 with an Allow header naming the methods it takes', async () => {
    const allowed = async (method: string, path: string) => {
      const reply = await harness.api(method, path);
      assert.equal(reply.status, 405, `${method} ${path}`);
      return reply.headers.get('allow')?.split(', ').sort();
    };
    assert.deepEqual(await allowed('PUT', '/proxies'), ['GET', 'POST']);
    assert.deepEqual(await allowed('DELETE', '/version'), ['GET']);
    assert.deepEqual(await allowed('PUT', '/proxies/any/toxics/any'), ['DELETE', 'GET', 'PATCH', 'POST']);
  });
});

describe('limit_data (docs/toxics.md: the count survives updates)', () => {
  test('raising the limit on a live connection lets through only the difference', async () => {
    const proxy = await createProxy(harness, 'limited', echo.address);
    await harness.api('POST', '/proxies/limited/toxics', {
      name: 'cap',
      type: 'limit_data',
      attributes: { bytes: 4 },
    });
    const client = await connect(proxy.port);
    const received: Buffer[] = [];
    client.on('data', (chunk: Buffer) => received.push(chunk));
    client.write('abc');
    await waitFor(() => Buffer.concat(received).length === 3, 'the first 3 bytes');
    const raised = await harness.api('POST', '/proxies/limited/toxics/cap', { attributes: { bytes: 6 } });
    assert.equal(raised.status, 200, raised.text);
    const rest = readAll(client);
    client.write('defghij');
    await rest;
    assert.equal(Buffer.concat(received).toString(), 'abcdef', '3 + 3 bytes: the count did not restart');
  });
});
