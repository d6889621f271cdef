import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { experiment, run } from './experiment-helpers.js';
import { startHttpApp } from './helpers.js';

// requests' timeout is a socket timeout: an answer whose headers, or whose next bytes, come later
// than it is a timeout, however little later. undici's headersTimeout and bodyTimeout run on
// timers that tick every half second, so a 0.1 s limit let a 0.4 s wait through: a probe "the API
// answers within 100 ms" was met behind a 400 ms latency, where chaos run fails it.
const { origin } = await startHttpApp((request, response) => {
  const timers: NodeJS.Timeout[] = [];
  response.on('close', () => timers.forEach(clearTimeout));
  if (request.url === '/late-headers') {
    timers.push(setTimeout(() => response.end('late'), 400));
  } else {
    response.writeHead(200, { 'Content-Type': 'text/plain' });
    response.write('start');
    timers.push(setTimeout(() => response.end('late'), 400));
  }
});

describe('an http timeout below a second is kept to as requests keeps it', () => {
  async function probe(path: string, timeout: unknown) {
    const journal = await run(
      experiment({
        method: [
          {
            type: 'probe',
            name: 'quick',
            provider: { type: 'http', url: `${origin}${path}`, timeout },
          },
        ],
      }),
    );
    const [entry] = journal.run;
    return { status: entry!.status, failure: String(entry!.exception?.join('') ?? '') };
  }

  test('headers 0.4 s late with timeout 0.1: activity took too long to complete', async () => {
    const late = await probe('/late-headers', 0.1);
    assert.equal(late.status, 'failed');
    assert.match(late.failure, /activity took too long to complete/);
  });

  test('a [connect, read] pair: the read limit, 0.1 s, is the one kept', async () => {
    const late = await probe('/late-headers', [5, 0.1]);
    assert.equal(late.status, 'failed');
    assert.match(late.failure, /activity took too long to complete/);
  });

  test('the body stalls 0.4 s with timeout 0.1: Read timed out', async () => {
    const stalled = await probe('/stall', 0.1);
    assert.equal(stalled.status, 'failed');
    assert.match(stalled.failure, /failed to connect to http:\/\/127\.0\.0\.1:\d+\/stall: Read timed out/);
  });
});
