import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { experiment, run } from './experiment-helpers.js';

// chaoslib's http provider returns dict(**r.headers): requests keeps each header name as the
// server wrote it (the first time, for a repeated one), in the server's order, with the values
// of a repeated header joined by ", ". A tolerance or a Python check written against chaos's
// journal reads headers['Content-Type'].
const FINAL_HEAD = [
  'HTTP/1.1 200 OK',
  'Content-Type: text/plain',
  'X-Request-ID: 42',
  'x-lower: b',
  'Set-Cookie: a=1',
  'set-cookie: b=2',
  'Content-Length: 2',
].join('\r\n');

function answer(socket: Socket, head: string, body = ''): void {
  socket.end(`${head}\r\nConnection: close\r\n\r\n${body}`);
}

describe('the http provider keeps the header names as the server wrote them, as chaos run does', () => {
  const server = createServer((socket) => {
    let seen = '';
    socket.on('data', (chunk: Buffer) => {
      seen += chunk.toString('latin1');
      if (!seen.includes('\r\n\r\n')) return;
      if (seen.startsWith('GET /moved '))
        answer(socket, 'HTTP/1.1 302 Found\r\nLocation: /final\r\nContent-Length: 0');
      else answer(socket, FINAL_HEAD, 'ok');
    });
  });
  let port = 0;
  before(
    () =>
      new Promise<void>((resolve) =>
        server.listen(0, '127.0.0.1', () => {
          port = (server.address() as { port: number }).port;
          resolve();
        }),
      ),
  );
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const expected = [
    ['Content-Type', 'text/plain'],
    ['X-Request-ID', '42'],
    ['x-lower', 'b'],
    ['Set-Cookie', 'a=1, b=2'],
    ['Content-Length', '2'],
    ['Connection', 'close'],
  ];

  for (const path of ['/final', '/moved']) {
    test(`GET ${path}: names in the server's case and order, a repeated one joined`, async () => {
      const journal = await run(
        experiment({
          method: [
            {
              type: 'probe',
              name: 'headers',
              provider: { type: 'http', url: `http://127.0.0.1:${port}${path}`, timeout: 5 },
            },
          ],
        }),
      );
      const [entry] = journal.run;
      assert.equal(entry!.status, 'succeeded', JSON.stringify(entry!.exception));
      const output = entry!.output as { status: number; headers: Record<string, string>; body: string };
      assert.equal(output.status, 200);
      assert.equal(output.body, 'ok');
      assert.deepEqual(Object.entries(output.headers), expected);
    });
  }

  test("a jsonpath tolerance on $.headers['Content-Type'], as written for chaos, is met", async () => {
    const journal = await run(
      experiment({
        'steady-state-hypothesis': {
          title: 'plain text',
          probes: [
            {
              type: 'probe',
              name: 'type',
              provider: { type: 'http', url: `http://127.0.0.1:${port}/final`, timeout: 5 },
              tolerance: { type: 'jsonpath', path: "$.headers['Content-Type']", expect: 'text/plain' },
            },
          ],
        },
      }),
    );
    assert.equal(journal.status, 'completed');
    assert.equal(journal.steady_states.before?.steady_state_met, true);
  });
});
