import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { experiment, run } from './experiment-helpers.js';

// Ports fetch refuses ("bad port") that requests, and so chaos run, calls.
const BLOCKED_BY_FETCH = [6665, 6666, 6667, 6668, 6669, 6000, 10080, 2049, 5060, 6697];

async function listenOnBlockedPort(server: Server): Promise<number> {
  for (const port of BLOCKED_BY_FETCH) {
    const bound = await new Promise<boolean>((resolve) => {
      const onError = () => resolve(false);
      server.once('error', onError);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', onError);
        resolve(true);
      });
    });
    if (bound) return port;
  }
  throw new Error(`every port of ${BLOCKED_BY_FETCH.join(', ')} is in use on 127.0.0.1`);
}

describe('http provider on ports fetch blocks', () => {
  const server = createServer((request, response) => {
    response.setHeader('Content-Type', 'application/json');
    response.setHeader('X-Repeat', ['a', 'b']);
    response.end(JSON.stringify({ path: request.url, method: request.method }));
  });
  let port = 0;
  before(async () => {
    port = await listenOnBlockedPort(server);
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  test('a probe reaches the port and records status, headers and the parsed body', async () => {
    const journal = await run(
      experiment({
        method: [
          {
            type: 'probe',
            name: 'blocked port',
            provider: { type: 'http', url: `http://127.0.0.1:${port}/health`, arguments: { q: 1 } },
          },
        ],
      }),
    );
    const [entry] = journal.run;
    assert.equal(entry!.status, 'succeeded', JSON.stringify(entry!.exception));
    const output = entry!.output as { status: number; headers: Record<string, string>; body: unknown };
    assert.equal(output.status, 200);
    assert.deepEqual(output.body, { path: '/health?q=1', method: 'GET' });
    assert.equal(output.headers['content-type'], 'application/json');
    assert.equal(output.headers['x-repeat'], 'a, b');
    assert.deepEqual(Object.keys(output.headers), [...Object.keys(output.headers)].sort());
  });
});
