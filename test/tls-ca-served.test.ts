import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import tls from 'node:tls';
import { spawnCli, waitFor } from './helpers.js';

// A server process of its own (not in tls-ca.test.ts, which Stryker runs in-process).
const home = mkdtempSync(join(tmpdir(), 'faultline-ca-served-'));
after(() => rmSync(home, { recursive: true, force: true }));

test('GET /ca.pem serves the CA that signs tls.auto certificates, and clients trust the proxy with it', async () => {
  const caHome = join(home, 'served');
  const server = spawnCli(['server', '--port', '0'], { FAULTLINE_CA_DIR: caHome });
  await waitFor(
    () => /listening on http:\/\/\S+ /.test(server.output().stderr),
    'the server to listen',
    30_000,
  );
  const url = /listening on (http:\/\/\S+) /.exec(server.output().stderr)![1]!;
  try {
    const served = await fetch(`${url}/ca.pem`);
    assert.equal(served.status, 200);
    assert.equal(served.headers.get('content-type'), 'application/x-pem-file');
    const pem = await served.text();
    assert.equal(pem, readFileSync(join(caHome, 'ca.pem'), 'utf8'));

    const created = await fetch(`${url}/proxies`, {
      method: 'POST',
      body: JSON.stringify({
        name: 'secure',
        listen: '127.0.0.1:0',
        upstream: '127.0.0.1:9',
        tls: { auto: true },
      }),
    });
    assert.equal(created.status, 201, await created.clone().text());
    const port = Number(((await created.json()) as { listen: string }).listen.split(':').pop());
    const socket = tls.connect({ host: '127.0.0.1', port, ca: pem });
    try {
      await once(socket, 'secureConnect');
      assert.equal(socket.authorized, true);
    } finally {
      socket.destroy();
    }
  } finally {
    process.kill(server.child.pid!, 'SIGTERM');
    await server.done;
  }
});
