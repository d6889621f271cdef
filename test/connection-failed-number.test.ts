import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { test } from 'node:test';
import type { EngineEvent } from '../src/proxy/events.js';
import {
  closedPort,
  connect,
  createProxy,
  readBytes,
  startEchoServer,
  startHarness,
  waitFor,
} from './helpers.js';

const harness = await startHarness();
const echo = await startEchoServer();

test('a tcp connection whose upstream cannot be reached names its number, so the numbers of the connections opened after it line up', async () => {
  const dead = `127.0.0.1:${await closedPort()}`;
  const proxy = await createProxy(harness, 'numbered', dead);
  const seen: EngineEvent[] = [];
  harness.engine.events.on((event) => {
    if (event.type.startsWith('connection.') && (event as { proxy: string }).proxy === 'numbered')
      seen.push(event);
  });
  const failing = net.connect(proxy.port, '127.0.0.1');
  failing.on('error', () => undefined);
  await once(failing, 'close');
  await waitFor(() => seen.length === 1, 'the failure event');
  const moved = await harness.api('POST', '/proxies/numbered', { upstream: echo.address });
  assert.equal(moved.status, 200, moved.text);
  const client = await connect(proxy.port);
  client.write('ping');
  await readBytes(client, 4);
  client.destroy();
  await waitFor(() => seen.length === 3, 'the opened and closed events');
  assert.deepEqual(
    seen.map((event) => [event.type, (event as { connection?: number }).connection]),
    [
      ['connection.failed', 1],
      ['connection.opened', 2],
      ['connection.closed', 2],
    ],
  );
  assert.equal((seen[0] as { upstream: string }).upstream, dead);
});
