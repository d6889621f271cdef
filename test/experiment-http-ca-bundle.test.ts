import assert from 'node:assert/strict';
import { once } from 'node:events';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { openLocalCa } from '../src/system/local-ca.js';
import { tempDirectory } from './helpers.js';
import { experiment, run } from './experiment-helpers.js';

const ca = await openLocalCa(join(tempDirectory('http-ca-bundle'), 'ca'));
const server = https.createServer(await ca.issue(['127.0.0.1']), (_request, response) =>
  response.end('trusted'),
);
server.listen(0, '127.0.0.1');
await once(server, 'listening');
after(() => server.close());
const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/`;

/** Runs one HTTP probe of `url` with the environment `given` set for it; its status and journal entry. */
async function probeWith(given: Record<string, string>, provider: object = {}) {
  // Empty is unset to requests; the machine's own (a CI image's) must not decide the test.
  const env = { REQUESTS_CA_BUNDLE: '', CURL_CA_BUNDLE: '', ...given };
  const saved = Object.fromEntries(Object.keys(env).map((name) => [name, process.env[name]]));
  Object.assign(process.env, env);
  try {
    const journal = await run(
      experiment({ method: [{ type: 'probe', name: 'p', provider: { type: 'http', url, ...provider } }] }),
    );
    return { status: journal.status, entry: journal.run[0] };
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

describe('REQUESTS_CA_BUNDLE and CURL_CA_BUNDLE: the CAs an HTTP activity trusts, as requests reads them', () => {
  test('without them, a certificate from a private CA is refused', async () => {
    const { entry } = await probeWith({});
    assert.equal(entry?.status, 'failed');
  });

  test('REQUESTS_CA_BUNDLE (or else CURL_CA_BUNDLE) naming the CA makes it trusted', async () => {
    for (const name of ['REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE']) {
      const { entry } = await probeWith({ [name]: ca.certificatePath });
      assert.equal(entry?.status, 'succeeded', name);
      assert.equal((entry?.output as { body: string }).body, 'trusted');
    }
  });

  test('a bundle that does not exist aborts the run naming it, as requests raises OSError outside ActivityFailed', async () => {
    const { status, entry } = await probeWith({ REQUESTS_CA_BUNDLE: '/nonexistent/ca.pem' });
    assert.equal(status, 'aborted');
    assert.ok(
      entry && !('status' in entry),
      'an entry without a status, as chaoslib writes for an uncaught error',
    );
  });

  test('an http:// URL does not read it, as requests checks the bundle for https only', async () => {
    const plain = await probeWith(
      { REQUESTS_CA_BUNDLE: '/nonexistent/ca.pem' },
      { url: url.replace('https:', 'http:') },
    );
    assert.equal(plain.status, 'completed');
  });

  test('verify_tls: false does not read it', async () => {
    const { entry } = await probeWith({ REQUESTS_CA_BUNDLE: '/nonexistent/ca.pem' }, { verify_tls: false });
    assert.equal(entry?.status, 'succeeded');
  });
});
