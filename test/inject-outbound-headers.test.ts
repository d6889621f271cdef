import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, test } from 'node:test';
import { arm } from '../src/inject/apply.js';
import { installFetchFaults, installHttpFaults } from '../src/inject/outbound.js';

const server = http.createServer((request, response) =>
  response.end(`real ${request.method} ${request.url}`),
);
server.listen(0, '127.0.0.1');
await once(server, 'listening');
after(() => server.close());
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

describe('an outbound fault with a header filter sees the headers the app sends', () => {
  test('fetch: headers from init (object, Headers, pairs) or from a Request; init replaces the Request', async () => {
    const undo = installFetchFaults(
      arm(
        [
          { url: '/tagged$', header: { name: 'X-Chaos', value: '^yes$' }, status: 418 },
          { url: '/present$', header: { name: 'x-chaos' }, status: 419 },
        ],
        ['status'],
        'fetch fault',
      ),
    );
    try {
      const status = async (...args: Parameters<typeof fetch>) => (await fetch(...args)).status;
      assert.deepEqual(
        [
          await status(`${base}/tagged`),
          await status(`${base}/tagged`, { headers: { 'x-chaos': 'yes' } }),
          await status(`${base}/tagged`, { headers: new Headers({ 'X-Chaos': 'yes' }) }),
          await status(`${base}/tagged`, { headers: [['x-chaos', 'yes']] }),
          await status(`${base}/tagged`, { headers: { 'x-chaos': 'no' } }),
          await status(new Request(`${base}/tagged`, { headers: { 'x-chaos': 'yes' } })),
          await status(new Request(`${base}/tagged`, { headers: { 'x-chaos': 'yes' } }), { headers: {} }),
          await status(`${base}/present`, { headers: { 'x-chaos': 'anything' } }),
          await status(`${base}/present`),
        ],
        [200, 418, 418, 418, 200, 418, 200, 419, 200],
      );
    } finally {
      undo();
    }
  });

  test('http.request: headers from the options and those set before end()', async () => {
    const undo = installHttpFaults(
      arm(
        [{ url: '/tagged$', header: { name: 'x-chaos', value: 'yes' }, error: 'tagged' }],
        ['error'],
        'http fault',
      ),
    );
    const send = (headers: Record<string, string>, setLater?: [string, string]) =>
      new Promise<string>((resolve) => {
        const client = http.request(`${base}/tagged`, { headers }, (response) => {
          let body = '';
          response.on('data', (chunk) => (body += chunk));
          response.on('end', () => resolve(body));
        });
        client.on('error', (error) => resolve(`error ${error.message}`));
        if (setLater) client.setHeader(...setLater);
        client.end();
      });
    try {
      assert.equal(await send({}), 'real GET /tagged');
      assert.equal(await send({ 'X-Chaos': 'yes' }), 'error tagged');
      assert.equal(await send({}, ['X-Chaos', 'yes']), 'error tagged');
      assert.equal(await send({ 'x-chaos': 'no' }), 'real GET /tagged');
    } finally {
      undo();
    }
  });
});
