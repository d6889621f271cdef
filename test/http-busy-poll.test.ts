import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Pool } from 'undici';
import { connect, createProxy, readBytes, startHarness, startTcpServer } from './helpers.js';
import { startHttpUpstream } from './http-helpers.js';

/**
 * An http proxy's traffic does not keep the event loop spinning (busy-poll.ts): under many
 * keep-alive connections the spin cost a fifth more CPU per request. A tcp proxy's still does,
 * which also shows the counting poll is the one the engine uses.
 */
const activity = { count: 0 };
const harness = await startHarness({
  busyPoll: { activity: () => void (activity.count += 1), stop: () => undefined },
});
const upstream = await startHttpUpstream();
const echo = await startTcpServer((socket) => socket.pipe(socket));

describe('busy polling after socket activity', () => {
  it('is not asked for by requests through an http proxy', async () => {
    const proxy = await createProxy(harness, 'web', upstream.address, { protocol: 'http' });
    const pool = new Pool(`http://127.0.0.1:${proxy.port}`, { connections: 2 });
    activity.count = 0;
    for (let i = 0; i < 5; i += 1) {
      const reply = await pool.request({ path: '/json', method: 'GET' });
      assert.equal(reply.statusCode, 200);
      assert.equal(await reply.body.text(), '{"id":7,"status":"paid","items":[1,2]}');
    }
    assert.equal(activity.count, 0);
    await pool.close();
  });

  it('is asked for by every read of a tcp link, each way', async () => {
    const proxy = await createProxy(harness, 'bytes', echo.address);
    const socket = await connect(proxy.port);
    activity.count = 0;
    socket.write('ping');
    assert.equal((await readBytes(socket, 4)).toString(), 'ping');
    assert.equal(activity.count, 2);
    socket.destroy();
  });
});
