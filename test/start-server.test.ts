import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FaultlineApiError } from '../src/client/index.js';
import { startServer } from '../src/index.js';
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
