import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, test } from 'node:test';
import { createHttpFaults } from '../src/inject/http-middleware.js';

/** A server whose handler is given, behind a slowBody fault of `bytesPerSecond`. */
async function serve(bytesPerSecond: number, handler: http.RequestListener): Promise<string> {
  const faults = createHttpFaults({ enabled: true, faults: [{ slowBody: bytesPerSecond }] });
  const server = http.createServer(faults.wrap(handler));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  after(() => {
    server.closeAllConnections();
    server.close();
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

describe('a slow body keeps the contract of a slow client with the handler', () => {
  test('write() and end() callbacks are called once their bytes are out, in order, so awaiting them finishes', async () => {
    const seen: string[] = [];
    let finished!: () => void;
    const handlerDone = new Promise<void>((resolve) => (finished = resolve));
    const url = await serve(1000, (_request, response) => {
      void (async () => {
        response.on('finish', () => seen.push('finish'));
        for (const part of ['one ', 'two ', 'three']) {
          await new Promise<void>((resolve) => response.write(part, () => resolve()));
          seen.push(`wrote ${part.trim()}`);
        }
        response.end(' end', () => {
          seen.push('end callback');
          finished();
        });
      })();
    });
    const body = await (await fetch(url)).text();
    await handlerDone;
    assert.equal(body, 'one two three end');
    assert.deepEqual(seen, ['wrote one', 'wrote two', 'wrote three', 'finish', 'end callback']);
  });

  test('write() returns false while more than the high-water mark is queued, then drain comes', async () => {
    let answer!: (value: { first: boolean; drained: boolean }) => void;
    const outcome = new Promise<{ first: boolean; drained: boolean }>((resolve) => (answer = resolve));
    const url = await serve(1024 * 1024, (_request, response) => {
      const first = response.write(Buffer.alloc(response.writableHighWaterMark * 2, 'a'));
      if (first) return void (response.end(), answer({ first, drained: false }));
      response.once('drain', () => {
        response.end();
        answer({ first, drained: true });
      });
    });
    const body = await (await fetch(url)).arrayBuffer();
    assert.deepEqual(await outcome, { first: false, drained: true });
    assert.ok(body.byteLength > 0);
  });
});
