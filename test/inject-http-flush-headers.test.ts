import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, test } from 'node:test';
import { arm } from '../src/inject/apply.js';
import { installHttpFaults } from '../src/inject/outbound.js';
import { onFault } from '../src/inject/events.js';

const arrived: string[] = [];
const server = http.createServer((request, response) => {
  arrived.push(request.url ?? '');
  request.resume();
  request.on('end', () => response.end('real'));
});
server.listen(0, '127.0.0.1');
await once(server, 'listening');
after(() => server.close());
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

/** A streaming upload on a new connection: the headers are flushed first, the body follows once `go` resolves. */
function upload(path: string, go: (client: http.ClientRequest) => Promise<unknown>): Promise<string> {
  return new Promise((resolve) => {
    const client = http.request(`${base}${path}`, { method: 'POST', agent: false }, (response) => {
      response.resume();
      response.on('end', () => resolve(`status ${response.statusCode}`));
    });
    client.on('error', (error) => resolve(`error ${error.message}`));
    client.flushHeaders();
    void go(client).then(() => client.end('body'));
  });
}

describe('an http.request fault holds headers flushed with flushHeaders()', () => {
  test('an error fault sends nothing, the flushed headers neither', async () => {
    const undo = installHttpFaults(arm([{ url: '/refused$', error: 'refused' }], ['error'], 'http fault'));
    try {
      // The body follows once connected: flushed, the headers would be on their way by then.
      const connected = (client: http.ClientRequest) =>
        new Promise((resolve) => client.once('socket', (socket) => socket.once('connect', resolve)));
      assert.equal(await upload('/refused', connected), 'error refused');
      // The server answers every request it sees: one made after it shows what it saw first.
      assert.equal(await upload('/after', async () => undefined), 'status 200');
      assert.deepEqual(arrived, ['/after'], 'the server saw the request the fault failed');
    } finally {
      undo();
    }
  });

  test('a delay holds the flushed headers: the server sees the request once the delay is over', async () => {
    const order: string[] = [];
    const stop = onFault((event) => order.push(`fault ${event.effect}`));
    const seen = new Promise<void>((resolve) =>
      server.once('request', () => {
        order.push('server sees the request');
        resolve();
      }),
    );
    const undo = installHttpFaults(arm([{ url: '/late$', delay: 100 }], ['error'], 'http fault'));
    try {
      // The body follows once the server has seen the request, as a client streaming an upload.
      assert.equal(await upload('/late', () => seen), 'status 200');
      assert.deepEqual(order, ['fault delay', 'server sees the request']);
    } finally {
      undo();
      stop();
    }
  });

  test('flushHeaders after a write is decided with it: one fault, and the whole body sent once it is over', async () => {
    const events: string[] = [];
    const stop = onFault((event) => events.push(`${event.fault} ${event.effect}`));
    const body = new Promise<string>((resolve) =>
      server.once('request', (request: http.IncomingMessage) => {
        let text = '';
        request.on('data', (data: Buffer) => (text += data.toString()));
        request.on('end', () => resolve(text));
      }),
    );
    const undo = installHttpFaults(
      arm([{ name: 'once', url: '/once$', delay: 20 }], ['error'], 'http fault'),
    );
    try {
      const status = await new Promise<string>((resolve) => {
        const client = http.request(`${base}/once`, { method: 'POST', agent: false }, (response) => {
          response.resume();
          response.on('end', () => resolve(`status ${response.statusCode}`));
        });
        client.on('error', (error) => resolve(`error ${error.message}`));
        client.write('part ');
        client.flushHeaders();
        client.end('rest');
      });
      assert.deepEqual([status, await body, events], ['status 200', 'part rest', ['once delay']]);
    } finally {
      undo();
      stop();
    }
  });
});
