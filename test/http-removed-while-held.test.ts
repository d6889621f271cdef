import assert from 'node:assert/strict';
import { once } from 'node:events';
import http2 from 'node:http2';
import type net from 'node:net';
import { after, describe, it } from 'node:test';
import { request } from 'undici';
import type { FaultProxy } from '../src/proxy/proxy.js';
import { createProxy, startHarness, waitFor } from './helpers.js';
import { collectEvents, h2get, startHttpUpstream } from './http-helpers.js';

// A toxic removed (or updated) while a delay holds a request acts on it at once, as Toxiproxy's
// toxics act on bytes in flight: what the removed toxic had decided for the request is dropped,
// and the toxics still on keep what they decided at its arrival (Envoy's way), on http and
// http2 alike. Before, removing any request toxic released every held request, which then met
// the abort or rewrite of the toxic just removed.
const harness = await startHarness({ seed: 6 });
const events = collectEvents(harness);
const h1upstream = await startHttpUpstream();
const h2server = http2.createServer();
h2server.on('stream', (stream, headers) => {
  stream.on('error', () => undefined);
  stream.respond({ ':status': 200 });
  stream.end(`ok ${String(headers[':method'])} ${String(headers[':path'])}`);
});
h2server.listen(0, '127.0.0.1');
await once(h2server, 'listening');
after(() => h2server.close());
const h2upstream = `127.0.0.1:${(h2server.address() as net.AddressInfo).port}`;

const HOLD = 60000;
const slow = (name: string, stage = 'request') => ({
  name,
  type: 'http_delay',
  attributes: { stage, delay: HOLD },
});
const fail = { name: 'fail', type: 'http_abort', attributes: { status: 503, body: 'failed' } };
const teapot = { name: 'teapot', type: 'http_modify', attributes: { status: 418, body: 'rewritten' } };

for (const protocol of ['http', 'http2'] as const) {
  describe(`a toxic removed while a delay holds the request (${protocol})`, () => {
    let serial = 0;
    /** A new proxy with these toxics, and a function that sends GET `path` through it: [status, body]. */
    const proxyWith = async (toxics: object[]) => {
      const name = `${protocol}held${(serial += 1)}`;
      const proxy = await createProxy(harness, name, protocol === 'http' ? h1upstream.address : h2upstream, {
        protocol,
      });
      for (const toxic of toxics) {
        const added = await harness.api('POST', `/proxies/${name}/toxics`, toxic);
        assert.equal(added.status, 200, added.text);
      }
      const send = async (path: string): Promise<[number, string]> => {
        if (protocol === 'http') {
          const reply = await request(`http://127.0.0.1:${proxy.port}${path}`);
          return [reply.statusCode, await reply.body.text()];
        }
        return h2get(proxy.port, path);
      };
      const remove = async (toxic: string) =>
        assert.equal((await harness.api('DELETE', `/proxies/${name}/toxics/${toxic}`)).status, 204);
      const held = () => (harness.engine.get(name) as FaultProxy).heldRequests;
      return { name, send, remove, held };
    };

    it('removing the abort, the rewrite or one of two delays holds on; the request goes upstream untouched when the last delay goes', async () => {
      const proxy = await proxyWith([slow('slow'), slow('slower'), fail, teapot]);
      const reply = proxy.send('/held');
      await waitFor(() => proxy.held() === 1, 'the request to be held');
      for (const toxic of ['slow', 'fail', 'teapot']) {
        await proxy.remove(toxic);
        assert.equal(proxy.held(), 1, `removing ${toxic} released the request`);
      }
      await proxy.remove('slower');
      // Not the 503 of the abort, nor the 418 of the rewrite, both planned at arrival and removed since.
      assert.deepEqual(await reply, [200, 'ok GET /held']);
      await waitFor(
        () => events.some((event) => event.type === 'http.fault' && event.proxy === proxy.name),
        'the http.fault events',
      );
      assert.deepEqual(
        events
          .filter((event) => event.type === 'http.fault' && event.proxy === proxy.name)
          .map((event) => event.type === 'http.fault' && [event.toxic, event.action, event.status]),
        [
          ['slow', 'delay_request', 200],
          ['slower', 'delay_request', 200],
        ],
      );
    });

    it('removing the delay in front of an abort still on: the released request gets the abort at once, as a new one would', async () => {
      const proxy = await proxyWith([slow('slow'), fail]);
      const reply = proxy.send('/aborted');
      await waitFor(() => proxy.held() === 1, 'the request to be held');
      await proxy.remove('slow');
      assert.deepEqual(await reply, [503, 'failed']);
      assert.deepEqual(await proxy.send('/next'), [503, 'failed']);
    });

    it('removing the rewrite while a response delay holds the answer: it goes out unrewritten when the delay goes', async () => {
      const proxy = await proxyWith([slow('late', 'response'), teapot]);
      const reply = proxy.send('/answer');
      await waitFor(() => proxy.held() === 1, 'the answer to be held');
      await proxy.remove('teapot');
      assert.equal(proxy.held(), 1, 'removing the rewrite released the answer');
      await proxy.remove('late');
      assert.deepEqual(await reply, [200, 'ok GET /answer']);
    });

    it('updating the delay releases what it holds; the abort still on is met', async () => {
      const proxy = await proxyWith([slow('slow'), fail]);
      const reply = proxy.send('/updated');
      await waitFor(() => proxy.held() === 1, 'the request to be held');
      const updated = await harness.api('POST', `/proxies/${proxy.name}/toxics/slow`, {
        attributes: { delay: HOLD * 2 },
      });
      assert.equal(updated.status, 200, updated.text);
      assert.deepEqual(await reply, [503, 'failed']);
    });
  });
}
