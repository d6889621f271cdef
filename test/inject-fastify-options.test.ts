import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import Fastify from 'fastify';
import { createHttpFaults } from '../src/inject/http-middleware.js';

describe('the Fastify plugin takes no options', () => {
  for (const enabled of [true, false]) {
    test(`register(faults.fastify, { prefix }) is refused, not applied to the whole app (faults ${enabled ? 'on' : 'off'})`, async () => {
      const faults = createHttpFaults({ enabled, faults: [{ status: 503 }] });
      const app = Fastify();
      try {
        void app.register(faults.fastify, { prefix: '/api' });
        await assert.rejects(
          async () => void (await app.ready()),
          /takes no options, and "prefix" would be ignored: its hook sees every request of the app.*"url" such as "\^\/api\/"/,
        );
      } finally {
        await app.close().catch(() => undefined);
      }
    });
  }

  test('register(faults.fastify) with no options installs the faults (and type-checks against Fastify)', async () => {
    const faults = createHttpFaults({ enabled: true, faults: [{ status: 503 }] });
    const app = Fastify();
    await app.register(faults.fastify);
    app.get('/x', async () => 'x');
    try {
      assert.equal((await app.inject({ url: '/x' })).statusCode, 503);
    } finally {
      await app.close();
    }
  });
});
