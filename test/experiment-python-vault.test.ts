import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { silentLog } from '../src/experiment/console.js';
import { InvalidExperiment } from '../src/experiment/errors.js';
import { experiment, run } from './experiment-helpers.js';
import { closedPort } from './helpers.js';

process.env.PYTHONDONTWRITEBYTECODE = '1';

/**
 * Neither Debian nor npm ships a Vault server, so these tests run against recorded exchanges:
 * each request Vault's HTTP API receives from a KV v1/v2 read or an AppRole login, and the
 * response body Vault sends back (shapes from Vault's API documentation). A request that is not
 * in the recording gets Vault's 403 "permission denied".
 */
interface Exchange {
  method: string;
  url: string;
  token?: string;
  body?: object;
  status: number;
  response: object;
}

const KV2_DB = {
  request_id: '1f2e4a6c-0d5b-4f0e-9c4a-7c1d2e3f4a5b',
  lease_id: '',
  renewable: false,
  lease_duration: 0,
  data: {
    data: { password: 's3cret', user: 'app' },
    metadata: {
      created_time: '2026-11-30T10:00:00.000000Z',
      custom_metadata: null,
      deletion_time: '',
      destroyed: false,
      version: 3,
    },
  },
  wrap_info: null,
  warnings: null,
  auth: null,
};

const RECORDING: Exchange[] = [
  { method: 'GET', url: '/v1/secret/data/app/db', token: 'root-token', status: 200, response: KV2_DB },
  {
    method: 'POST',
    url: '/v1/auth/approle/login',
    body: { role_id: 'role-1', secret_id: 'secret-1' },
    status: 200,
    response: {
      request_id: '9a8b7c6d-0000-4000-8000-000000000001',
      auth: {
        client_token: 'approle-token',
        accessor: 'accessor-1',
        policies: ['default', 'app'],
        lease_duration: 1200,
        renewable: true,
      },
    },
  },
  {
    method: 'POST',
    url: '/v1/auth/approle/login',
    body: { role_id: 'role-1', secret_id: 'wrong' },
    status: 400,
    response: { errors: ['invalid role or secret ID'] },
  },
  {
    method: 'GET',
    url: '/v1/kv/app/api',
    token: 'approle-token',
    status: 200,
    response: { request_id: 'r-2', lease_duration: 2764800, data: { key: 'k-123' }, renewable: false },
  },
];

describe('vault secrets over the HTTP API (recorded exchanges)', () => {
  const seen: string[] = [];
  let address = '';
  const server = createServer((request, response) => {
    void readBody(request).then((body) => {
      const token = request.headers['x-vault-token'];
      seen.push(`${request.method} ${request.url} ${typeof token === 'string' ? token : '-'}`);
      const match = RECORDING.find(
        (exchange) =>
          exchange.method === request.method &&
          exchange.url === request.url &&
          (exchange.token === undefined || exchange.token === token) &&
          (exchange.body === undefined || JSON.stringify(exchange.body) === body),
      );
      response.writeHead(match?.status ?? 403, { 'content-type': 'application/json' });
      response.end(JSON.stringify(match?.response ?? { errors: ['permission denied'] }));
    });
  });

  before(async () => {
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    address = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => server.close());

  const reveal = {
    type: 'probe',
    name: 'reveal',
    provider: {
      type: 'python',
      module: 'faultline_python_fixture',
      func: 'reveal_secrets',
      secrets: ['app'],
    },
  };
  const reversed = (text: string) => [...text].reverse().join('');

  function collectingLog() {
    const warnings: string[] = [];
    return { warnings, log: { ...silentLog, warning: (message: string) => warnings.push(message) } };
  }

  test('KV v2 with a token: a key of the secret, and the whole secret without a key', async () => {
    seen.length = 0;
    const journal = await run(
      experiment({
        configuration: { vault_addr: address, vault_token: 'root-token' },
        secrets: {
          app: {
            password: { type: 'vault', path: 'app/db', key: 'password' },
            database: { type: 'vault', path: 'app/db' },
          },
        },
        method: [reveal],
      }),
    );
    assert.deepEqual(journal.run[0]!.output, {
      database: reversed("{'password': 's3cret', 'user': 'app'}"),
      password: reversed('s3cret'),
    });
    assert.deepEqual(seen, [
      'GET /v1/secret/data/app/db root-token',
      'GET /v1/secret/data/app/db root-token',
    ]);
  });

  test('KV v1 on another mount, with AppRole authentication', async () => {
    seen.length = 0;
    const journal = await run(
      experiment({
        configuration: {
          vault_addr: address,
          vault_role_id: 'role-1',
          vault_role_secret: 'secret-1',
          vault_kv_version: '1',
          vault_secrets_mount_point: 'kv',
        },
        secrets: { app: { key: { type: 'vault', path: 'app/api', key: 'key' } } },
        method: [reveal],
      }),
    );
    assert.deepEqual(journal.run[0]!.output, { key: reversed('k-123') });
    assert.deepEqual(seen, ['POST /v1/auth/approle/login -', 'GET /v1/kv/app/api approle-token']);
  });

  test('an AppRole that Vault refuses makes the experiment invalid, as in chaoslib', async () => {
    await assert.rejects(
      run(
        experiment({
          configuration: { vault_addr: address, vault_role_id: 'role-1', vault_role_secret: 'wrong' },
          secrets: { app: { key: { type: 'vault', path: 'app/api' } } },
          method: [reveal],
        }),
      ),
      (error: Error) =>
        error instanceof InvalidExperiment &&
        error.message.startsWith(
          'Failed to connect to Vault with the AppRole: HTTP 400 ["invalid role or secret ID"]',
        ),
    );
  });

  test('a secret Vault does not have, or a key it lacks, stays unresolved with a warning', async () => {
    const { warnings, log } = collectingLog();
    const journal = await run(
      experiment({
        configuration: { vault_addr: address, vault_token: 'root-token' },
        secrets: {
          app: {
            plain: 'visible',
            missing: { type: 'vault', path: 'app/none' },
            nokey: { type: 'vault', path: 'app/db', key: 'port' },
          },
        },
        method: [reveal],
      }),
      { log },
    );
    assert.deepEqual(journal.run[0]!.output, { plain: reversed('visible') });
    assert.deepEqual(warnings, [
      `Vault secret 'missing' (path app/none) could not be read from ${address}: HTTP 403 ["permission denied"]; it stays unresolved`,
      "Vault secret at path app/db has no key 'port' (it has: password, user); 'nokey' stays unresolved",
    ]);
  });

  test('when Vault cannot be reached, the secret stays unresolved with a warning and the run goes on', async () => {
    const { warnings, log } = collectingLog();
    const closed = `http://127.0.0.1:${await closedPort()}`;
    const journal = await run(
      experiment({
        configuration: { vault_addr: closed, vault_token: 'root-token' },
        secrets: { app: { plain: 'visible', password: { type: 'vault', path: 'app/db', key: 'password' } } },
        method: [reveal],
      }),
      { log },
    );
    assert.equal(journal.status, 'completed');
    assert.deepEqual(journal.run[0]!.output, { plain: reversed('visible') });
    assert.equal(warnings.length, 1);
    assert.match(
      warnings[0]!,
      new RegExp(
        `^Vault secret 'password' \\(path app/db\\) could not be read from ${closed.replace(/\./g, '\\.')}: connect ECONNREFUSED 127\\.0\\.0\\.1:${closed.split(':').pop()}; it stays unresolved$`,
      ),
    );
  });
});

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
