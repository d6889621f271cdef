import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';
import { FaultlineApiError } from '../src/client/index.js';
import { startServer, type StartServerOptions } from '../src/index.js';
import { parseServerSeed } from '../src/cli/seed-option.js';
import { canConnect, startEchoServer, tempDirectory } from './helpers.js';

const echo = await startEchoServer();

test('startServer serves the API on a free loopback port, with a client for it, until stop()', async () => {
  const server = await startServer({ seed: 7 });
  try {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(server.url, `http://127.0.0.1:${server.port}`);
    assert.equal(server.client.url, server.url);
    assert.equal(server.engine.seed, 7);
    assert.equal((await server.client.version()).version, '2.12.0');
    const proxy = await server.client.createProxy({
      name: 'echo',
      listen: '127.0.0.1:0',
      upstream: echo.address,
    });
    const proxyPort = Number(proxy.listen.split(':').pop());
    assert.equal(await canConnect(proxyPort), true);
    await server.stop();
    assert.equal(await canConnect(proxyPort), false, 'stop() closes the proxies');
    assert.equal(await canConnect(server.port), false, 'stop() closes the control API');
    await server.stop(); // a second stop is harmless: after() hooks may call it again
  } finally {
    await server.stop();
  }
});

test('startServer with a token: its client sends it, others are refused', async () => {
  const token = 'a-token-for-this-test-only';
  const server = await startServer({ token });
  try {
    assert.deepEqual(await server.client.proxies(), {});
    const { createClient } = await import('../src/client/index.js');
    const error = await createClient({ url: server.url, token: '' })
      .proxies()
      .catch((caught: unknown) => caught);
    assert.ok(error instanceof FaultlineApiError);
    assert.equal(error.status, 401);
  } finally {
    await server.stop();
  }
});

test('startServer refuses a port that is taken, saying which, and leaves nothing running', async () => {
  const first = await startServer();
  try {
    await assert.rejects(startServer({ port: first.port }), {
      code: 'FAULTLINE_ERR_ADDRESS_IN_USE',
      message: new RegExp(`cannot listen on 127\\.0\\.0\\.1:${first.port}: address already in use`),
    });
  } finally {
    await first.stop();
  }
});

test('startServer refuses a token too short to be one, before listening', async () => {
  await assert.rejects(startServer({ token: 'short' }), {
    code: 'FAULTLINE_ERR_INVALID_CONFIG',
    hint: /16 to 512 characters/,
  });
});

test('startServer off loopback needs a token, or insecure: true, as faultline server does', async () => {
  await assert.rejects(startServer({ host: '0.0.0.0' }), {
    code: 'FAULTLINE_ERR_INVALID_CONFIG',
    message: /host 0\.0\.0\.0 is not a loopback address/,
    hint: /token.*insecure: true/,
  });
  await assert.rejects(startServer({ token: 'a-token-for-this-test-only', insecure: true }), {
    code: 'FAULTLINE_ERR_INVALID_CONFIG',
    message: /contradict/,
  });
});

test('startServer has the local CA, as faultline server does: tls.auto works and /ca.pem serves it', async () => {
  const caDirectory = tempDirectory('start-server-ca');
  const before = process.env.FAULTLINE_CA_DIR;
  process.env.FAULTLINE_CA_DIR = caDirectory;
  const server = await startServer();
  try {
    const proxy = await server.client.createProxy({
      name: 'tls',
      listen: '127.0.0.1:0',
      upstream: echo.address,
      protocol: 'http',
      tls: { auto: true },
    });
    assert.deepEqual(proxy.tls, { auto: true });
    assert.match(await server.client.caCertificate(), /^-----BEGIN CERTIFICATE-----/);
  } finally {
    await server.stop();
    if (before === undefined) delete process.env.FAULTLINE_CA_DIR;
    else process.env.FAULTLINE_CA_DIR = before;
  }
});

test('startServer({ config }) creates the proxies and toxics of a file, as faultline server --config does', async () => {
  const file = join(tempDirectory('start-server-config'), 'faultline.yaml');
  writeFileSync(
    file,
    `proxies:\n  - name: db\n    listen: 127.0.0.1:0\n    upstream: ${echo.address}\n    toxics:\n      - { type: latency, attributes: { latency: 50 } }\n`,
  );
  const server = await startServer({ config: pathToFileURL(file) });
  try {
    const db = await server.client.proxy('db');
    assert.equal(db.upstream, echo.address);
    assert.deepEqual(
      db.toxics.map((toxic) => [toxic.type, toxic.attributes.latency]),
      [['latency', 50]],
    );
  } finally {
    await server.stop();
  }
  await assert.rejects(startServer({ config: new URL('https://example.test/faultline.yaml') }), {
    code: 'FAULTLINE_ERR_INVALID_CONFIG',
    message: /config must be the path of a file, or its file: URL, received https:/,
  });
  await assert.rejects(startServer({ config: join(file, '..', 'missing.yaml') }), {
    code: 'FAULTLINE_ERR_INVALID_CONFIG',
    message: /cannot read config file .*missing\.yaml/,
  });
});

test('startServer({ proxies }) creates proxies as POST /populate takes them, and refuses a bad one', async () => {
  const server = await startServer({
    proxies: [
      {
        name: 'api',
        listen: '127.0.0.1:0',
        upstream: echo.address,
        toxics: [{ type: 'timeout', attributes: { timeout: 10 } }],
      },
    ],
  });
  try {
    assert.deepEqual(Object.keys(await server.client.proxies()), ['api']);
    assert.equal((await server.client.toxics('api'))[0]?.type, 'timeout');
  } finally {
    await server.stop();
  }
  await assert.rejects(startServer({ proxies: [{ name: 'api', upstream: 'no-port' }] }), {
    code: 'FAULTLINE_ERR_INVALID_ADDRESS',
    message: /^startServer\(\{ proxies \}\): address no-port: missing port in address/,
  });
});

test('startServer({ limits, allowedHosts }) bounds the server as the --max-* flags and --allowed-host do', async () => {
  const server = await startServer({
    limits: { maxProxies: 1, listenAllow: ['127.0.0.0/8'], maxHeldBytes: '1MiB' },
    allowedHosts: ['toxiproxy'],
  });
  try {
    assert.equal(server.engine.limits.maxHeldBytes, 2 ** 20);
    await server.client.createProxy({ name: 'one', listen: '127.0.0.1:0', upstream: echo.address });
    await assert.rejects(
      server.client.createProxy({ name: 'two', listen: '127.0.0.1:0', upstream: echo.address }),
      { code: 'FAULTLINE_ERR_LIMIT_REACHED', status: 403 },
    );
    await server.client.deleteProxy('one');
    await assert.rejects(
      server.client.createProxy({ name: 'wide', listen: '0.0.0.0:0', upstream: echo.address }),
      { code: 'FAULTLINE_ERR_LISTEN_NOT_ALLOWED', status: 403 },
    );
    const statusFor = (host: string) =>
      new Promise<number>((resolve, reject) => {
        http
          .get(`${server.url}/version`, { headers: { Host: host } }, (response) => {
            response.resume();
            resolve(response.statusCode ?? 0);
          })
          .on('error', reject);
      });
    assert.equal(await statusFor(`toxiproxy:${server.port}`), 200);
    assert.equal(await statusFor(`other:${server.port}`), 403);
  } finally {
    await server.stop();
  }
});

test('startServer refuses an option it does not take, or a limit out of range, naming it, before listening', async () => {
  const refusals: Array<[unknown, RegExp]> = [
    [{ configFile: 'faultline.yaml' }, /unknown option configFile/],
    [{ limits: { maxProxys: 2 } }, /unknown option limits\.maxProxys/],
    [
      { limits: { maxProxies: 0 } },
      /limits\.maxProxies must be a whole number from 1 to 1000000, received 0/,
    ],
    [{ limits: { maxHeldBytes: '1KiB' } }, /limits\.maxHeldBytes must be a size of at least 64KiB/],
    [{ limits: { listenAllow: '127.0.0.0/8' } }, /limits\.listenAllow must be an array of strings/],
    [{ limits: { listenAllow: ['not-a-cidr'] } }, /limits\.listenAllow: /],
    [{ allowedHosts: ['toxiproxy:8474'] }, /allowedHosts: "toxiproxy:8474" is not a host name/],
    [{ config: 42 }, /config must be the path of a file/],
    [{ port: 70000 }, /port must be a whole number from 0 to 65535, received 70000/],
    [{ port: '8474' }, /port must be a whole number from 0 to 65535, received "8474"/],
    [{ seed: '42' }, /seed must be a whole number, received "42"/],
    [{ seed: 1.5 }, /seed must be a whole number, received 1\.5/],
    [{ token: 1234567890123456 }, /token must be a string, received number/],
    [{ insecure: 'yes', host: '0.0.0.0' }, /insecure must be true or false, received "yes"/],
    [
      { clientTimeout: '1000' },
      /clientTimeout must be a whole number of milliseconds, 1 or more, received "1000"/,
    ],
  ];
  for (const [options, message] of refusals) {
    await assert.rejects(startServer(options as StartServerOptions), {
      code: 'FAULTLINE_ERR_INVALID_CONFIG',
      message,
    });
  }
});

test("startServer({ token: 'generate' }) makes a token, which its client sends", async () => {
  const server = await startServer({ token: 'generate' });
  try {
    assert.match(server.token ?? '', /^[A-Za-z0-9._~-]{16,}$/);
    assert.deepEqual(await server.client.proxies(), {});
    const { createClient } = await import('../src/client/index.js');
    const refused = await createClient({ url: server.url, token: '' })
      .proxies()
      .catch((caught: unknown) => caught);
    assert.ok(refused instanceof FaultlineApiError);
    assert.equal(refused.status, 401);
  } finally {
    await server.stop();
  }
});

test('startServer folds a seed outside 31 bits as --seed does, so 2 ** 32 does not replay seed 0', async () => {
  const server = await startServer({ seed: 2 ** 32 });
  try {
    assert.equal(server.engine.seed, parseServerSeed(String(2 ** 32)).seed);
    assert.notEqual(server.engine.seed, 0);
  } finally {
    await server.stop();
  }
});
