import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { createHttpFaults } from '../src/inject/http-middleware.js';
import { runNode } from './inject-helpers.js';

const middleware = fileURLToPath(new URL('../src/inject/http-middleware.js', import.meta.url));

/** Reads the first bytes of a response, then goes away, as a client that gives up on a slow page. */
function readThenLeave(port: number): void {
  const request = http.get({ host: '127.0.0.1', port, path: '/' }, (response) =>
    response.once('data', () => request.destroy()),
  );
  request.on('error', () => undefined);
}

describe('a slow body whose client goes away stops dribbling', () => {
  test(
    'the write() callbacks still waiting get the error of a closed response',
    { timeout: 30_000 },
    async () => {
      const faults = createHttpFaults({ enabled: true, faults: [{ slowBody: 10 }] });
      let written!: (error: Error | null | undefined) => void;
      const outcome = new Promise<Error | null | undefined>((resolve) => (written = resolve));
      // 100 000 bytes at 10 bytes/s: almost three hours of dribbling if nothing stops it.
      const server = http.createServer(
        faults.wrap((_request, response) => void response.write('x'.repeat(100_000), written)),
      );
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      try {
        readThenLeave((server.address() as AddressInfo).port);
        const error = await outcome;
        assert.equal((error as NodeJS.ErrnoException | undefined)?.code, 'ERR_STREAM_DESTROYED');
      } finally {
        server.closeAllConnections();
        server.close();
      }
    },
  );

  test(
    'a process that closes its server once the client left exits on its own',
    { timeout: 60_000 },
    async () => {
      const script = `
      import http from 'node:http';
      import { createHttpFaults } from ${JSON.stringify(middleware)};
      const faults = createHttpFaults({ enabled: true, faults: [{ slowBody: 10 }] });
      const server = http.createServer(faults.wrap((request, response) => {
        response.on('close', () => { server.close(); console.log('client gone'); });
        response.end('x'.repeat(100000));
      }));
      server.listen(0, '127.0.0.1', () => {
        const request = http.get({ host: '127.0.0.1', port: server.address().port, path: '/' }, (answer) =>
          answer.once('data', () => request.destroy()));
        request.on('error', () => {});
      });`;
      const { code, stdout } = await runNode(script, process.env, false);
      assert.equal(stdout.trim(), 'client gone');
      assert.equal(code, 0, 'the process was still dribbling the body to a client that had gone');
    },
  );
});
