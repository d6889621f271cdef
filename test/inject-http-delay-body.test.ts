import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, test } from 'node:test';
import { arm } from '../src/inject/apply.js';
import { installHttpFaults } from '../src/inject/outbound.js';

/** Answers as soon as the headers arrive, as a server that streams or ignores the body does. */
const arrivals: number[] = [];
const server = http.createServer((request, response) => {
  arrivals.push(performance.now());
  request.resume();
  response.end(`real ${request.method} ${request.url}`);
});
server.listen(0, '127.0.0.1');
await once(server, 'listening');
after(() => server.close());
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

/** A POST whose body is written before end(), each write waited for. */
function post(path: string): Promise<string> {
  return new Promise((resolve) => {
    const client = http.request(`${base}${path}`, { method: 'POST' }, (response) => {
      let body = '';
      response.on('data', (chunk) => (body += chunk));
      response.on('end', () => resolve(body));
    });
    client.on('error', (error) => resolve(`error ${error.message}`));
    client.write('part one, ', () => client.end('part two'));
  });
}

describe('an http.request fault holds the whole request, a body written before end() too', () => {
  test('a delay holds the headers and the body: the server sees nothing before it ends', async () => {
    const undo = installHttpFaults(arm([{ url: '/late$', delay: 200 }], ['error'], 'http fault'));
    try {
      const started = performance.now();
      assert.equal(await post('/late'), 'real POST /late');
      assert.ok(arrivals.at(-1)! - started >= 200, 'the request reached the server after the delay');
    } finally {
      undo();
    }
  });

  test('an error after a delay sends nothing at all; the write callback and the request get the error', async () => {
    const undo = installHttpFaults(
      arm([{ url: '/refused$', delay: 20, error: 'refused' }], ['error'], 'http fault'),
    );
    const before = arrivals.length;
    try {
      assert.equal(await post('/refused'), 'error refused');
      assert.equal(arrivals.length, before, 'the server never saw the request');
    } finally {
      undo();
    }
  });
});
