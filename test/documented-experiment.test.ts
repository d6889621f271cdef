import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { experiment, run } from './experiment-helpers.js';
import { selfSignedCertificate, startTcpServer } from './helpers.js';

async function listen(server: http.Server | https.Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  after(() => {
    server.closeAllConnections();
    server.close();
  });
  return (server.address() as AddressInfo).port;
}

/** Runs one http probe in the method and returns its journal entry. */
async function probe(provider: Record<string, unknown>) {
  const journal = await run(
    experiment({ method: [{ type: 'probe', name: 'call', provider: { type: 'http', ...provider } }] }),
  );
  return journal.run[0]! as unknown as { status: string; output?: any; exception?: string[] };
}

const failure = (entry: { exception?: string[] }) => (entry.exception ?? []).join('');

describe('the http provider options (docs/experiments.md)', () => {
  test('timeout: a reply slower than the timeout fails the activity; a faster one passes', async () => {
    const port = await listen(
      http.createServer((request, response) => {
        const wait = request.url === '/slow' ? 30_000 : 0;
        const timer = setTimeout(() => response.end('late'), wait);
        response.on('close', () => clearTimeout(timer));
      }),
    );
    const started = performance.now();
    const slow = await probe({ url: `http://127.0.0.1:${port}/slow`, timeout: 0.2 });
    // The reply is 30 s late and the bound 10 s: a loaded machine can take seconds to make the
    // request, and an uncut wait still fails it.
    assert.ok(performance.now() - started < 10_000, 'the 0.2 s timeout cut the 30 s reply short');
    assert.equal(slow.status, 'failed');
    assert.match(failure(slow), /activity took too long to complete/);
    const fast = await probe({ url: `http://127.0.0.1:${port}/fast`, timeout: 5 });
    assert.equal(fast.status, 'succeeded');
    assert.equal(fast.output.body, 'late');
  });

  test("timeout is requests': a limit on each wait for bytes, not on the whole answer", async () => {
    const port = await listen(
      http.createServer((request, response) => {
        const timers: NodeJS.Timeout[] = [];
        response.on('close', () => timers.forEach(clearTimeout));
        if (request.url === '/drip') {
          // A slow link (a bandwidth or slicer toxic): a byte every 100 ms for a second.
          response.writeHead(200, { 'Content-Type': 'text/plain' });
          for (let i = 1; i <= 10; i++) timers.push(setTimeout(() => response.write('.'), i * 100));
          timers.push(setTimeout(() => response.end('done'), 1100));
        } else {
          // The headers, then nothing for 30 s.
          response.writeHead(200, { 'Content-Type': 'text/plain' });
          response.write('start');
          timers.push(setTimeout(() => response.end(), 30_000));
        }
      }),
    );
    const drip = await probe({ url: `http://127.0.0.1:${port}/drip`, timeout: 0.5 });
    assert.equal(drip.status, 'succeeded', failure(drip));
    assert.equal(drip.output.body, '..........done');
    const pair = await probe({ url: `http://127.0.0.1:${port}/drip`, timeout: [0.5, 0.5] });
    assert.equal(pair.status, 'succeeded', failure(pair));
    // requests turns a read timeout while the body streams into a ConnectionError.
    const stalled = await probe({ url: `http://127.0.0.1:${port}/stall`, timeout: 0.3 });
    assert.equal(stalled.status, 'failed');
    assert.match(failure(stalled), /failed to connect to http:\/\/127\.0\.0\.1:\d+\/stall: Read timed out/);
  });

  test('max_retries: connection failures are retried that many times, then the activity fails', async () => {
    let connections = 0;
    const answerOnConnection = { value: 3 };
    const flaky = await startTcpServer((socket) => {
      connections += 1;
      if (connections < answerOnConnection.value) return socket.destroy();
      socket.once('data', () =>
        socket.end('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok'),
      );
    });
    const url = `http://127.0.0.1:${flaky.port}/`;
    const retried = await probe({ url, max_retries: 2 });
    assert.equal(retried.status, 'succeeded', failure(retried));
    assert.equal(retried.output.body, 'ok');
    assert.equal(connections, 3, 'two failed attempts, then the third answered');

    connections = 0;
    const notEnough = await probe({ url, max_retries: 1 });
    assert.equal(notEnough.status, 'failed');
    assert.match(failure(notEnough), /failed to connect to http:\/\/127\.0\.0\.1:\d+\/: /);
    assert.equal(connections, 2, 'one attempt and one retry');

    connections = 0;
    const once_ = await probe({ url });
    assert.equal(once_.status, 'failed');
    assert.equal(connections, 1, 'no retries by default');
  });

  test('verify_tls: false accepts a self-signed certificate; by default it is refused', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'faultline-tls-'));
    after(() => rmSync(dir, { recursive: true, force: true }));
    const key = join(dir, 'key.pem');
    const cert = join(dir, 'cert.pem');
    selfSignedCertificate(key, cert);
    const port = await listen(
      https.createServer({ key: readFileSync(key), cert: readFileSync(cert) }, (_request, response) =>
        response.end('secure'),
      ),
    );
    const url = `https://127.0.0.1:${port}/`;
    const insecure = await probe({ url, verify_tls: false });
    assert.equal(insecure.status, 'succeeded', failure(insecure));
    assert.equal(insecure.output.body, 'secure');
    const verified = await probe({ url });
    assert.equal(verified.status, 'failed');
    assert.match(failure(verified), /self[- ]signed certificate/);
  });
});
