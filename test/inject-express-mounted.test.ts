import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { after, describe, test } from 'node:test';
import express from 'express';
import { createHttpFaults } from '../src/inject/http-middleware.js';
import { type FaultApplied, onFault } from '../src/inject/events.js';

describe('Express middleware mounted on a path', () => {
  test('a fault url is matched against the URL the client asked for, and the event says it', async () => {
    const faults = createHttpFaults({
      enabled: true,
      faults: [{ name: 'users-down', url: '^/api/users$', status: 503 }],
    });
    const seen: FaultApplied[] = [];
    const stop = onFault((event) => seen.push(event));
    after(stop);
    const app = express();
    app.use('/api', faults.middleware);
    app.get('/api/users', (_request, response) => void response.send('users'));
    app.get('/api/orders', (_request, response) => void response.send('orders'));
    const server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    after(() => {
      server.closeAllConnections();
      server.close();
    });
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const users = await fetch(`${base}/api/users`);
    assert.equal(users.status, 503, 'the fault written for /api/users never acted');
    await users.text();
    const orders = await fetch(`${base}/api/orders`);
    assert.deepEqual([orders.status, await orders.text()], [200, 'orders']);
    assert.deepEqual(
      seen.filter((event) => event.fault === 'users-down').map((event) => event.call.url),
      ['/api/users'],
    );
  });
});
