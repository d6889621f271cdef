import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { loadExperiment } from '../src/experiment/load.js';
import { fetchAnyPort } from '../src/net/fetch-any-port.js';
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

describe('HTTP clients on ports fetch blocks', () => {
  const server = createServer((request, response) => {
    if (request.url === '/moved') {
      response.writeHead(302, { location: '/experiment.json' }).end();
      return;
    }
    if (request.url === '/empty') {
      response.writeHead(204, { 'x-answer': 'none' }).end();
      return;
    }
    if (request.url === '/experiment.json') {
      response.setHeader('Content-Type', 'application/json');
      response.end(JSON.stringify({ title: 'served on a blocked port', description: 'd', method: [] }));
      return;
    }
    if (request.url?.startsWith('/api/v1/query?')) {
      const query = new URL(request.url, 'http://x').searchParams.get('query');
      response.setHeader('Content-Type', 'application/json');
      response.end(
        JSON.stringify({
          status: 'success',
          data: { resultType: 'vector', result: [{ metric: { job: query }, value: [1700000000, '1'] }] },
        }),
      );
      return;
    }
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
    // As the server wrote them, in its order, a repeated header joined (chaoslib's dict(r.headers)).
    assert.equal(output.headers['Content-Type'], 'application/json');
    assert.equal(output.headers['X-Repeat'], 'a, b');
    assert.deepEqual(Object.keys(output.headers).slice(0, 2), ['Content-Type', 'X-Repeat']);
  });

  test('a Prometheus probe reaches a Prometheus on such a port', async () => {
    const journal = await run(
      experiment({
        configuration: { prometheus_base_url: `http://127.0.0.1:${port}` },
        method: [
          {
            type: 'probe',
            name: 'up',
            provider: {
              type: 'python',
              module: 'chaosprometheus.probes',
              func: 'query',
              arguments: { query: 'up' },
            },
          },
        ],
      }),
    );
    const [entry] = journal.run;
    assert.equal(entry!.status, 'succeeded', JSON.stringify(entry!.exception));
    assert.deepEqual((entry!.output as { data: unknown }).data, {
      resultType: 'vector',
      result: [{ metric: { job: 'up' }, value: [1700000000, '1'] }],
    });
  });

  test('an experiment is loaded from a URL on such a port, through a redirect', async () => {
    assert.deepEqual(await loadExperiment(`http://127.0.0.1:${port}/moved`), {
      title: 'served on a blocked port',
      description: 'd',
      method: [],
    });
  });

  test('an answer without a body keeps its status and headers', async () => {
    const response = await fetchAnyPort(`http://127.0.0.1:${port}/empty`);
    assert.equal(response.status, 204);
    assert.equal(response.headers.get('x-answer'), 'none');
    assert.equal(await response.text(), '');
  });
});
