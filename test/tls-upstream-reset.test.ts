import assert from 'node:assert/strict';
import { once } from 'node:events';
import net, { type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import tls from 'node:tls';
import { openLocalCa } from '../src/system/local-ca.js';
import { createProxy, startHarness, tempDirectory } from './helpers.js';

/**
 * A proxy with `upstream_tls` resets its upstream as a plain proxy does: the TLS upstream sees
 * ECONNRESET (an RST), as Toxiproxy's SO_LINGER 0 gives, not the connection ending (a FIN).
 * Before, a TLS socket tls.connect opened could not be reset, and was closed instead.
 */
const ca = await openLocalCa(join(tempDirectory('tls-upstream-reset'), 'ca'));
const harness = await startHarness();

/** How each upstream connection ended, in the order they were accepted: an error code, or 'end'. */
const endings: Promise<string>[] = [];
const pair = await ca.issue(['127.0.0.1']);
const upstream = tls.createServer(pair, (socket) => {
  endings.push(
    new Promise((resolve) => {
      socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
      socket.on('end', () => resolve('end'));
    }),
  );
  // The greeting tells the client that the upstream's handshake is done.
  socket.write('hello');
  socket.on('data', (chunk) => socket.write(chunk));
});
upstream.listen(0, '127.0.0.1');
await once(upstream, 'listening');
after(() => upstream.close());
const upstreamAddress = `127.0.0.1:${(upstream.address() as AddressInfo).port}`;

/** A plain client through the proxy, once the upstream's greeting came back (its TLS is up). */
async function greeted(port: number): Promise<{ client: net.Socket; ending: Promise<string> }> {
  const before = endings.length;
  const client = net.connect({ host: '127.0.0.1', port });
  client.on('error', () => undefined);
  const [greeting] = (await once(client, 'data')) as [Buffer];
  assert.equal(greeting.toString(), 'hello');
  assert.equal(endings.length, before + 1);
  return { client, ending: endings[before]! };
}

async function addToxic(proxy: string, toxic: object) {
  const reply = await harness.api('POST', `/proxies/${proxy}/toxics`, toxic);
  assert.equal(reply.status, 200, reply.text);
}

const originating = (name: string) =>
  createProxy(harness, name, upstreamAddress, { upstream_tls: { ca: ca.certificatePem } });

describe('toxics that reset a connection to a TLS upstream', { timeout: 30_000 }, () => {
  for (const stream of ['upstream', 'downstream'] as const) {
    it(`reset_peer on the ${stream} stream: the TLS upstream sees ECONNRESET`, async () => {
      const proxy = await originating(`peer-${stream}`);
      const { client, ending } = await greeted(proxy.port);
      await addToxic(proxy.name, { name: 'rst', type: 'reset_peer', stream, attributes: { timeout: 0 } });
      client.write('ping');
      assert.equal(await ending, 'ECONNRESET');
      client.destroy();
    });
  }

  it('limit_time: the TLS upstream sees ECONNRESET', async () => {
    const proxy = await originating('timed');
    const { client, ending } = await greeted(proxy.port);
    await addToxic(proxy.name, { name: 'cut', type: 'limit_time', attributes: { time: 10 } });
    assert.equal(await ending, 'ECONNRESET');
    client.destroy();
  });

  it('a client that resets: the reset goes on to the TLS upstream', async () => {
    const proxy = await originating('passed-on');
    const { client, ending } = await greeted(proxy.port);
    client.resetAndDestroy();
    assert.equal(await ending, 'ECONNRESET');
  });

  it('a client that ends: the TLS upstream sees its end, not a reset', async () => {
    const proxy = await originating('ended');
    const { client, ending } = await greeted(proxy.port);
    client.end();
    assert.equal(await ending, 'end');
    client.destroy();
  });
});
